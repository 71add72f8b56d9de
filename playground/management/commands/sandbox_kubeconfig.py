"""Print a sandbox's kubeconfig, or create a sandbox and print its kubeconfig.

For instructors who script a class:

    python manage.py sandbox_kubeconfig --new --scenario restaurant-rating > alice.yaml
    python manage.py sandbox_kubeconfig <id> --user developer --group developers > dev.yaml
"""

from django.core.management.base import BaseCommand, CommandError

from playground import identities, sandboxes
from playground.kubeapi import kubeconfig
from playground.models import Sandbox
from playground.scenarios import scenarios

CLI_OWNER = "cli"


class Command(BaseCommand):
    help = "Print the kubeconfig of a sandbox (by its id), or create one with --new."

    def add_arguments(self, parser):
        parser.add_argument("sandbox", nargs="?", help="the sandbox's id (the UUID in its page's URL)")
        parser.add_argument("--new", action="store_true", help="create a sandbox first")
        parser.add_argument("--scenario", default="", help="start the new sandbox from this scenario")
        parser.add_argument("--profile", default="default", choices=sorted(sandboxes.PROFILES))
        parser.add_argument("--name", default="", help="the new sandbox's name")
        parser.add_argument("--namespace", default="default", help="the namespace the context starts in")
        parser.add_argument(
            "--user",
            default="",
            help="a kubeconfig for this user of the sandbox instead of its owner (RBAC applies)",
        )
        parser.add_argument("--group", action="append", default=[], help="a group of --user (repeatable)")
        parser.add_argument(
            "--service-account", default="", help="a kubeconfig for this ServiceAccount, as namespace/name"
        )
        parser.add_argument(
            "--server",
            default="http://127.0.0.1:8000",
            help="the app's URL as learners reach it (default: http://127.0.0.1:8000)",
        )

    def handle(self, *args, **options):
        if options["new"] == bool(options["sandbox"]):
            raise CommandError("Give either a sandbox id or --new.")
        if options["new"]:
            if options["scenario"] and options["scenario"] not in scenarios():
                known = ", ".join(sorted(scenarios()))
                raise CommandError(f"Unknown scenario {options['scenario']!r}; known: {known}")
            try:
                sandbox = sandboxes.create(
                    CLI_OWNER,
                    options["name"],
                    profile=options["profile"],
                    scenario=options["scenario"],
                    capped=False,
                )
            except sandboxes.SandboxError as error:
                raise CommandError(error.message) from None
            self.stderr.write(f"Created sandbox {sandbox.public_id} ({sandbox.name}).")
        else:
            try:
                sandbox = Sandbox.objects.get(public_id=options["sandbox"])
            except (Sandbox.DoesNotExist, ValueError):
                raise CommandError(f"No sandbox with id {options['sandbox']!r}.") from None
            except Exception as error:  # a malformed UUID raises ValidationError
                raise CommandError(f"No sandbox with id {options['sandbox']!r}: {error}") from None
        if options["user"] or options["service_account"]:
            try:
                if options["service_account"]:
                    username, groups = identities.service_account_name(options["service_account"]), []
                else:
                    username, groups = options["user"], identities.parse_groups(",".join(options["group"]))
                identity = identities.mint(sandbox, username, groups)
            except identities.IdentityError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(identities.render(options["server"], identity, options["namespace"]), ending="")
            return
        self.stdout.write(
            kubeconfig.render(options["server"], sandbox.token, sandbox.name, options["namespace"]), ending=""
        )
