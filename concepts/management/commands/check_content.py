from django.core.management.base import BaseCommand, CommandError

from concepts.content_check import check_all


class Command(BaseCommand):
    help = "Validate the concept catalogue and the architecture diagram's data files."

    def handle(self, *args, **options):
        try:
            summary = check_all()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(summary))
