// @kubernetes/client-node against a sandbox: create, watch, patch, scale, delete a
// Deployment. Usage: node flow.mjs KUBECONFIG. Prints one JSON object of what it saw
// (test_client_node.py asserts on it); exits non-zero on any error.
import * as k8s from "@kubernetes/client-node";

const kc = new k8s.KubeConfig();
kc.loadFromFile(process.argv[2]);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const namespace = "default";
const name = "web";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check) {
  let found;
  for (let i = 0; i < 240; i++) {
    found = await apps.readNamespacedDeployment({ name, namespace });
    if (check(found)) return found;
    await sleep(250);
  }
  throw new Error(`web never got there: ${JSON.stringify(found.status)}`);
}

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name, image: "nginx:1.27" }] },
    },
  },
};

const created = await apps.createNamespacedDeployment({ namespace, body: deployment });

const seen = [];
let resolveDeleted;
const deleted = new Promise((resolve) => (resolveDeleted = resolve));
const watch = new k8s.Watch(kc);
const request = await watch.watch(
  `/apis/apps/v1/namespaces/${namespace}/deployments`,
  { fieldSelector: `metadata.name=${name}`, resourceVersion: created.metadata.resourceVersion },
  (type, obj) => {
    seen.push([type, obj.spec.replicas, obj.status?.readyReplicas ?? 0]);
    if (type === "DELETED") resolveDeleted();
  },
  (error) => {
    if (error && error.name !== "AbortError") {
      console.error(`watch ended: ${error}`);
      process.exit(3);
    }
  },
);

await until((d) => d.status?.readyReplicas === 1);
const patched = await apps.patchNamespacedDeployment(
  { name, namespace, body: { spec: { template: { spec: { containers: [{ name, image: "nginx:1.28" }] } } } } },
  k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
);
const scaled = await apps.replaceNamespacedDeploymentScale({
  name,
  namespace,
  body: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name, namespace }, spec: { replicas: 3 } },
});
const done = await until((d) => d.status?.readyReplicas === 3 && d.status?.updatedReplicas === 3);
const status = await apps.deleteNamespacedDeployment({ name, namespace });
await Promise.race([deleted, sleep(60000).then(() => Promise.reject(new Error("no DELETED event")))]);
request.abort();
let missing = null;
try {
  await apps.readNamespacedDeployment({ name, namespace });
} catch (error) {
  missing = error.code;
}
console.log(
  JSON.stringify({
    created: { uid: created.metadata.uid, strategy: created.spec.strategy.type },
    patched: { image: patched.spec.template.spec.containers[0].image, generation: patched.metadata.generation },
    scaled: { kind: scaled.kind, replicas: scaled.spec.replicas },
    done: {
      generation: done.metadata.generation,
      observedGeneration: done.status.observedGeneration,
      image: done.spec.template.spec.containers[0].image,
    },
    deleted: { status: status.status, name: status.details?.name },
    missing,
    seen,
  }),
);
process.exit(0);
