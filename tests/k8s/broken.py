"""broken.py - manifests broken on purpose, each one way, for check.py's self-test.

MUTATIONS is a list of (what, expected words in a problem, function); each
function breaks a deep copy of the rendered objects in place. check.py asserts
that policy.problems() reports every one, so the check is shown to fail.
"""


def _get(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def _c(docs, name):
    return _get(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def _drop(docs, kind, name):
    docs.remove(_get(docs, kind, name))


def _env(docs, name, var, value):
    c = _c(docs, name)
    c["env"] = [e for e in c["env"] if e["name"] != var] + [{"name": var, "value": value}]


def _bus_from_anyone(docs):
    _get(docs, "NetworkPolicy", "candour-bus")["spec"]["ingress"][0]["from"] = [
        {"namespaceSelector": {}}
    ]


def _bus_port(docs, port):
    rule = _get(docs, "NetworkPolicy", "candour-bus")["spec"]["ingress"][0]
    rule["ports"] = [p for p in rule["ports"] if p["port"] != port]


def _project_ops_key(docs):
    for v in _get(docs, "Deployment", "intake")["spec"]["template"]["spec"]["volumes"]:
        for s in (v.get("projected") or {}).get("sources", []):
            if s.get("secret", {}).get("name") == "candour-internal-keys":
                s["secret"]["items"].append({"key": "ops.key", "path": "ops.key"})


def _migrate_last(docs):
    pod = _get(docs, "Job", "candour-migrate")["spec"]["template"]["spec"]
    pod["containers"] += pod.pop("initContainers")


def _admin_from_anyone(docs):
    _get(docs, "NetworkPolicy", "candour-admin")["spec"]["ingress"][0].pop("from")


MUTATIONS = [
    (
        "routing without a liveness probe",
        "livenessProbe",
        lambda d: _c(d, "routing").pop("livenessProbe"),
    ),
    (
        "notify's readiness probe on /healthz",
        "readinessProbe",
        lambda d: _c(d, "notify")["readinessProbe"]["httpGet"].update(path="/healthz"),
    ),
    (
        "gateway's liveness probe on intake's admin port",
        "admin port",
        lambda d: _c(d, "gateway")["livenessProbe"]["httpGet"].update(port=9100),
    ),
    (
        "signoff with a writable root filesystem",
        "readOnlyRootFilesystem",
        lambda d: _c(d, "signoff")["securityContext"].pop("readOnlyRootFilesystem"),
    ),
    (
        "investigation keeping its capabilities",
        "capabilities",
        lambda d: _c(d, "investigation")["securityContext"].pop("capabilities"),
    ),
    (
        "reporting running as root",
        "runAsUser",
        lambda d: _c(d, "reporting")["securityContext"].update(runAsUser=0),
    ),
    ("reporting without resources", "resources", lambda d: _c(d, "reporting").pop("resources")),
    (
        "notify's memory limit below its peak RSS",
        "memory limit",
        lambda d: _c(d, "notify")["resources"]["limits"].update(memory="16Mi"),
    ),
    (
        "the database password inline",
        "inline",
        lambda d: _env(d, "investigation", "CANDOUR_DB_PASSWORD", "change-me-too"),
    ),
    (
        "the database URL in the ConfigMap",
        "holds a secret",
        lambda d: _get(d, "ConfigMap", "candour-config")["data"].update(
            CANDOUR_DB_URL="postgresql://candour:pw@db:5432/candour"
        ),
    ),
    (
        "a Secret with its value in the manifests",
        "Secret",
        lambda d: d.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "candour-db", "namespace": "candour"},
                "stringData": {"password": "x"},
            }
        ),
    ),
    (
        "intake running routing",
        "command",
        lambda d: _c(d, "intake").update(command=["candour-routing"]),
    ),
    ("another image", "image", lambda d: _c(d, "signoff").update(image="busybox:1.36")),
    ("intake given the ops key too", "own internal key", _project_ops_key),
    (
        "the secrets mounted writable",
        "readOnly",
        lambda d: _c(d, "gateway")["volumeMounts"][0].pop("readOnly"),
    ),
    (
        "no Deployment for reporting",
        "Deployment reporting",
        lambda d: _drop(d, "Deployment", "reporting"),
    ),
    ("no Service for notify", "Service notify", lambda d: _drop(d, "Service", "notify")),
    (
        "routing's endpoint naming no Service",
        "CANDOUR_ROUTING_ENDPOINT",
        lambda d: _get(d, "ConfigMap", "candour-config")["data"].update(
            CANDOUR_ROUTING_ENDPOINT="tcp://router:7101"
        ),
    ),
    (
        "notify's bind on loopback",
        "CANDOUR_NOTIFY_BIND",
        lambda d: _get(d, "ConfigMap", "candour-config")["data"].update(
            CANDOUR_NOTIFY_BIND="tcp://127.0.0.1:7104"
        ),
    ),
    (
        "notify's spool not on its claim",
        "CANDOUR_SPOOL_DIR",
        lambda d: _drop(d, "PersistentVolumeClaim", "candour-spool"),
    ),
    ("migrate beside the imports, not before them", "run first", _migrate_last),
    ("no migrate Job", "migrate", lambda d: _drop(d, "Job", "candour-migrate")),
    (
        "no default deny",
        "default deny",
        lambda d: _drop(d, "NetworkPolicy", "default-deny-ingress"),
    ),
    ("notify's bus port not let in", "7104", lambda d: _bus_port(d, 7104)),
    ("the bus open to every namespace", "more than the suite's pods", _bus_from_anyone),
    ("the admin ports open to anyone", "monitoring namespace", _admin_from_anyone),
    (
        "the gateway's API not reachable",
        "8080",
        lambda d: _drop(d, "NetworkPolicy", "gateway-http"),
    ),
    (
        "an object in another namespace",
        "not in namespace",
        lambda d: _get(d, "Service", "gateway")["metadata"].update(namespace="default"),
    ),
]
