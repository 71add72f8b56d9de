"""kubectl describe for Roles, ClusterRoles and their bindings, laid out as upstream's
RoleDescriber, ClusterRoleDescriber and (Cluster)RoleBindingDescriber (k8s.io/kubectl/pkg/
describe): rules broken down (rbac.BreakdownRule), compacted per resource (CompactRules)
and sorted by their String() (SortableRuleSlice)."""

from playground import console


def run(cluster, line):
    return console.run(cluster, console.parse(line))


def test_cluster_admin_as_upstream_prints_it(cluster):
    assert run(cluster, "kubectl describe clusterrole cluster-admin") == (
        "Name:         cluster-admin\n"
        "Labels:       kubernetes.io/bootstrapping=rbac-defaults\n"
        "Annotations:  rbac.authorization.kubernetes.io/autoupdate: true\n"
        "PolicyRule:\n"
        "  Resources  Non-Resource URLs  Resource Names  Verbs\n"
        "  ---------  -----------------  --------------  -----\n"
        "  *.*        []                 []              [*]\n"
        "             [*]                []              [*]\n"
    )


def test_a_role_is_one_row_per_resource_with_its_verbs_merged_and_sorted(cluster):
    run(
        cluster,
        """kubectl apply -f -
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: mixed}
rules:
  - apiGroups: [""]
    resources: [pods, pods/log]
    verbs: [get, list]
  - apiGroups: ["apps"]
    resources: [deployments]
    verbs: [get, update]
  - apiGroups: [""]
    resources: [pods]
    verbs: [delete]
  - apiGroups: [""]
    resources: [configmaps]
    resourceNames: [settings]
    verbs: [get]
""",
    )
    text = run(cluster, "kubectl describe role mixed")
    rows = text.split("-----\n", 1)[1].splitlines()
    # Sorted by the rule's String(), which starts with its verbs: "[get list delete]"
    # before "[get list]" (a space sorts before "]"), "[get]" last.
    assert rows == [
        "  pods              []                 []              [get list delete]",
        "  pods/log          []                 []              [get list]",
        "  deployments.apps  []                 []              [get update]",
        "  configmaps        []                 [settings]      [get]",
    ]
    assert text.startswith("Name:         mixed\nLabels:       <none>\nAnnotations:  <none>\nPolicyRule:\n")


def test_the_aggregated_edit_role_merges_the_verbs_of_its_parts(cluster):
    rows = run(cluster, "kubectl describe clusterrole edit").splitlines()
    configmaps = next(r for r in rows if r.strip().startswith("configmaps "))
    assert configmaps.split()[-8:] == [
        "[create",
        "delete",
        "deletecollection",
        "patch",
        "update",
        "get",
        "list",
        "watch]",
    ]


def test_a_role_binding_shows_its_role_and_subjects(cluster):
    run(
        cluster,
        """kubectl apply -f -
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: developer}
  - {kind: ServiceAccount, name: ci, namespace: default}
""",
    )
    assert run(cluster, "kubectl describe rolebinding dev-edit") == (
        "Name:         dev-edit\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "Role:\n"
        "  Kind:  ClusterRole\n"
        "  Name:  edit\n"
        "Subjects:\n"
        "  Kind            Name       Namespace\n"
        "  ----            ----       ---------\n"
        "  User            developer  \n"
        "  ServiceAccount  ci         default\n"
    )
