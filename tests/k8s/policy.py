"""policy.py - the rules Candour's Kubernetes manifests (deploy/k8s) must keep.

problems(docs, env_sample) takes the rendered objects (dicts, as kubectl
kustomize would give them) and the bus/admin settings of
deploy/candour.env.sample, and returns a list of plain messages, one per broken
rule; an empty list means the manifests hold. Pure: no files, no processes.
"""

import re

NAMESPACE = "candour"
SUITE = {"app.kubernetes.io/part-of": "candour"}
UID = 10001
MEMBERS = ["intake", "routing", "investigation", "signoff", "notify", "reporting", "gateway", "ops"]

# Each daemon's ports: its internal bus endpoint, its admin HTTP (probes,
# metrics) and the public ones (intake's CURVE bus, the gateway's API).
DAEMONS = {
    "intake": {"bus": 7105, "admin": 9100, "public": 7100},
    "routing": {"bus": 7101, "admin": 9101},
    "investigation": {"bus": 7102, "admin": 9102},
    "signoff": {"bus": 7103, "admin": 9103},
    "notify": {"bus": 7104, "admin": 9104},
    "reporting": {"bus": 7106, "admin": 9106},
    "gateway": {"admin": 9105, "http": 8080},
}
PEAK_RSS = 32 * 1024 * 1024  # every daemon's peak RSS is under this

Z85_KEY = re.compile(r"^[0-9A-Za-z.\-:+=^!/*?&<>()\[\]{}@%$#]{40}$")
URL_WITH_PASSWORD = re.compile(r"://[^/@\s]*:[^/@\s]+@")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_DB_URL$")


def _find(docs, kind, name=None):
    return [
        d
        for d in docs
        if d.get("kind") == kind and (name is None or d["metadata"].get("name") == name)
    ]


def _quantity(q):
    """Bytes (memory) or millicores (cpu) of a Kubernetes quantity; None if unreadable."""
    m = re.fullmatch(r"([0-9.]+)(m|Ki|Mi|Gi|k|M|G)?", str(q))
    if not m:
        return None
    mult = {
        None: 1,
        "m": 0.001,
        "k": 1e3,
        "M": 1e6,
        "G": 1e9,
        "Ki": 1024,
        "Mi": 1024**2,
        "Gi": 1024**3,
    }
    return float(m.group(1)) * mult[m.group(2)]


def _selects(selector, labels):
    """Does a label selector (matchLabels/matchExpressions) select these labels?"""
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        has, val, vals = e["key"] in labels, labels.get(e["key"]), e.get("values") or []
        op = e["operator"]
        if (op == "In" and val not in vals) or (op == "NotIn" and has and val in vals):
            return False
        if (op == "Exists" and not has) or (op == "DoesNotExist" and has):
            return False
    return True


def _looks_secret(name, value):
    """A password, a database URL, a URL with a password, or a CURVE key (not a public one)."""
    value = str(value)
    if SECRET_NAME.search(name) and not name.endswith("_FILE") and value:
        return True
    return bool(URL_WITH_PASSWORD.search(value) or (Z85_KEY.match(value) and "PUBLIC" not in name))


def _container_rules(where, c, pod, out):
    """Security context, resources and secrets of one container."""
    sc, psc = c.get("securityContext") or {}, pod.get("securityContext") or {}

    def eff(k):  # the container's value, else the pod's
        return sc.get(k, psc.get(k))

    if eff("runAsNonRoot") is not True:
        out.append(f"{where}: runAsNonRoot is not true")
    if eff("runAsUser") != UID:
        out.append(f"{where}: runAsUser is not {UID}")
    if (eff("seccompProfile") or {}).get("type") != "RuntimeDefault":
        out.append(f"{where}: seccompProfile is not RuntimeDefault")
    if sc.get("readOnlyRootFilesystem") is not True:
        out.append(f"{where}: readOnlyRootFilesystem is not true")
    if sc.get("allowPrivilegeEscalation") is not False:
        out.append(f"{where}: allowPrivilegeEscalation is not false")
    caps = sc.get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or []) or caps.get("add"):
        out.append(f"{where}: capabilities must drop ALL and add none")
    if sc.get("privileged"):
        out.append(f"{where}: privileged")
    res = c.get("resources") or {}
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    if not (req.get("cpu") and req.get("memory") and lim.get("memory")):
        out.append(f"{where}: resources need requests cpu and memory and a memory limit")
    else:
        rq, lm = _quantity(req["memory"]), _quantity(lim["memory"])
        if rq is None or lm is None or lm < PEAK_RSS or rq > lm:
            out.append(
                f"{where}: memory limit must be at least 32Mi (peak RSS) and not below the request"
            )
    for e in c.get("env") or []:
        if "value" in e and _looks_secret(e["name"], e["value"]):
            out.append(f"{where}: env {e['name']} has a secret value inline (use a secretKeyRef)")
    names = {e["name"]: e for e in c.get("env") or []}
    for var, key in (("CANDOUR_DB_URL", "url"), ("CANDOUR_DB_PASSWORD", "password")):
        ref = ((names.get(var) or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
        if ref.get("name") != "candour-db" or ref.get("key") != key:
            out.append(f"{where}: env {var} must come from secret candour-db key {key}")
    if {"configMapRef": {"name": "candour-config"}} not in (c.get("envFrom") or []):
        out.append(f"{where}: envFrom must name the ConfigMap candour-config")
    image = str(c.get("image", "")).split("@")[0]
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    if repo.rsplit("/", 1)[-1] != "candour":
        out.append(f"{where}: image {c.get('image')!r} is not Candour's")


def _port_of(c, port):
    """A probe's or Service's port (a number or a container port's name) as a number."""
    for p in c.get("ports") or []:
        if port == p.get("name") or port == p.get("containerPort"):
            return p["containerPort"]
    return None


def _secret_items(vol):
    """(secret, key, path, optional) of what a secret or projected volume holds."""
    srcs = (
        [{"secret": vol["secret"]}]
        if "secret" in vol
        else (vol.get("projected") or {}).get("sources") or []
    )
    out = []
    for s in srcs:
        sec = s.get("secret")
        if sec is None:
            continue
        name = sec.get("secretName") or sec.get("name")
        items = sec.get("items")
        if items is None:
            out.append((name, None, None, sec.get("optional", False)))
        for it in items or []:
            out.append((name, it["key"], it["path"], sec.get("optional", False)))
    return out


def _volume_rules(where, name, pod, c, cm, claims, out):
    mounts = {m["name"]: m for m in c.get("volumeMounts") or []}
    vols = {v["name"]: v for v in pod.get("volumes") or []}
    files = {}  # path in the container -> (secret, key)
    for vname, v in vols.items():
        items = _secret_items(v)
        if not items:
            continue
        m = mounts.get(vname)
        if m is None:
            continue
        if m.get("readOnly") is not True:
            out.append(f"{where}: secret volume {vname} is not mounted readOnly")
        for sec, key, path, _ in items:
            if key is None:
                out.append(f"{where}: secret {sec} is mounted whole; name its items")
            else:
                files[m["mountPath"].rstrip("/") + "/" + path] = (sec, key)
    keys = [(f, sk) for f, sk in files.items() if sk[0] == "candour-internal-keys"]
    if [sk[1] for _, sk in keys] != [f"{name}.key"] or keys[0][0] != cm.get(
        "CANDOUR_INTERNAL_KEY_FILE"
    ):
        out.append(
            f"{where}: must hold its own internal key ({name}.key) alone, at CANDOUR_INTERNAL_KEY_FILE"
        )
    pubs = cm.get("CANDOUR_INTERNAL_KEYS", "")
    for m in MEMBERS:
        if files.get(f"{pubs}/{m}.pub") != ("candour-internal-pub", f"{m}.pub"):
            out.append(f"{where}: {m}.pub is not in CANDOUR_INTERNAL_KEYS ({pubs})")
    if name == "intake" and files.get(cm.get("CANDOUR_INTAKE_KEY_FILE")) != (
        "candour-intake-key",
        "intake.key",
    ):
        out.append(f"{where}: intake.key is not at CANDOUR_INTAKE_KEY_FILE")
    for vname, m in mounts.items():
        v = vols.get(vname, {})
        if m["mountPath"] == "/tmp" and "emptyDir" not in v:
            out.append(f"{where}: /tmp must be an emptyDir")
    if name == "notify":
        for var in ("CANDOUR_SPOOL_DIR", "CANDOUR_PRINT_DIR"):
            pvc = [
                vols.get(n, {}).get("persistentVolumeClaim", {}).get("claimName")
                for n, m in mounts.items()
                if m["mountPath"] == cm.get(var)
            ]
            if not pvc or pvc[0] not in claims:
                out.append(
                    f"{where}: {var} ({cm.get(var)}) is not a PersistentVolumeClaim of the manifests"
                )


def _deployment_rules(name, ports, d, cm, claims, out):
    where = f"Deployment {name}"
    spec = d.get("spec") or {}
    tmpl = spec.get("template") or {}
    labels = (tmpl.get("metadata") or {}).get("labels") or {}
    pod = tmpl.get("spec") or {}
    if spec.get("replicas", 1) != 1:
        out.append(f"{where}: replicas must be 1 (see README Configuration to scale)")
    if not _selects(spec.get("selector"), labels) or not _selects({"matchLabels": SUITE}, labels):
        out.append(f"{where}: its pods must carry its selector's labels and {SUITE}")
    if (
        pod.get("automountServiceAccountToken") is not False
        or pod.get("hostNetwork")
        or pod.get("hostPID")
    ):
        out.append(f"{where}: no service account token, no host network or PID")
    cs = pod.get("containers") or []
    if len(cs) != 1:
        out.append(f"{where}: one container, not {len(cs)}")
        return
    c = cs[0]
    if c.get("command") != [f"candour-{name}"] or c.get("args"):
        out.append(f"{where}: command must be ['candour-{name}'], not {c.get('command')}")
    _container_rules(where, c, pod, out)
    for pname, num in ports.items():
        if _port_of(c, pname) != num:
            out.append(f"{where}: container port {pname} must be {num}")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = (c.get(probe) or {}).get("httpGet")
        if not get:
            out.append(f"{where}: no {probe} (httpGet {path} on the admin port)")
        elif get.get("path") != path or _port_of(c, get.get("port")) != ports["admin"]:
            out.append(f"{where}: {probe} must GET {path} on the admin port {ports['admin']}")
    _volume_rules(where, name, pod, c, cm, claims, out)


def _service_rules(name, ports, docs, labels, out):
    """The daemon's Services: its bus and admin port, and the public one."""
    svcs = [
        s
        for s in _find(docs, "Service")
        if _selects({"matchLabels": s["spec"].get("selector") or {}}, labels)
        and s["spec"].get("selector")
    ]
    exposed = {}
    for s in svcs:
        for p in s["spec"].get("ports") or []:
            exposed.setdefault(p["port"], []).append(
                (s["metadata"]["name"], p.get("targetPort", p["port"]))
            )
    if not _find(docs, "Service", name) or _find(docs, "Service", name)[0] not in svcs:
        out.append(f"Service {name}: missing, or it does not select the {name} pods")
    for pname in ("bus", "public", "http"):
        if pname in ports and ports[pname] not in exposed:
            out.append(f"Service for {name}: port {ports[pname]} ({pname}) is not exposed")
    return exposed


def _allows(rule, port, pname):
    ps = rule.get("ports")
    if not ps:
        return True
    for p in ps:
        if p.get("protocol", "TCP") != "TCP":
            continue
        lo = p.get("port")
        if (
            lo is None
            or lo == pname
            or (isinstance(lo, int) and lo <= port <= p.get("endPort", lo))
        ):
            return True
    return False


def _peer_ok(kind, peer):
    """May this `from` entry reach a port of this kind?"""
    if kind == "bus":
        sel = peer.get("podSelector") or {}
        return set(peer) == {"podSelector"} and all(
            (sel.get("matchLabels") or {}).get(k) == v for k, v in SUITE.items()
        )
    if kind == "admin":
        ns = peer.get("namespaceSelector") or {}
        return set(peer) <= {"namespaceSelector", "podSelector"} and bool(
            ns.get("matchLabels") or ns.get("matchExpressions")
        )
    return True  # public: anyone


def _network_rules(docs, out):
    pols = _find(docs, "NetworkPolicy")
    if not any(
        p["spec"].get("podSelector") in ({}, None)
        and "podSelector" in p["spec"]
        and "Ingress" in (p["spec"].get("policyTypes") or [])
        and not p["spec"].get("ingress")
        for p in pols
    ):
        out.append(
            "NetworkPolicy: no default deny of ingress (podSelector {}, policyTypes [Ingress])"
        )
    for name, ports in DAEMONS.items():
        d = _find(docs, "Deployment", name)
        if not d:
            continue
        labels = d[0]["spec"]["template"]["metadata"].get("labels") or {}
        rules = [
            r
            for p in pols
            if _selects(p["spec"].get("podSelector"), labels)
            for r in p["spec"].get("ingress") or []
        ]
        for pname, port in ports.items():
            kind = "bus" if pname == "bus" else "admin" if pname == "admin" else "public"
            allowing = [r for r in rules if _allows(r, port, pname)]
            if not allowing:
                out.append(
                    f"NetworkPolicy: {name}'s {pname} port {port} is not let in from anywhere"
                )
            for r in allowing:
                peers = r.get("from")
                if kind != "public" and (
                    not peers or not all(_peer_ok(kind, peer) for peer in peers)
                ):
                    who = "the suite's pods" if kind == "bus" else "a monitoring namespace label"
                    out.append(
                        f"NetworkPolicy: {name}'s {pname} port {port} is open to more than {who}"
                    )
            if kind == "public" and not any(not r.get("from") for r in allowing):
                out.append(f"NetworkPolicy: {name}'s {pname} port {port} must be open to anyone")


def _config_rules(cm, env_sample, docs, out):
    for k, v in cm.items():
        if k in ("CANDOUR_DB_URL", "CANDOUR_DB_PASSWORD") or _looks_secret(k, v):
            out.append(f"ConfigMap candour-config: {k} holds a secret; it belongs in a Secret")
    for name, ports in DAEMONS.items():
        up = name.upper()
        want = {f"CANDOUR_{up}_ADMIN": f"0.0.0.0:{ports['admin']}"}
        if "bus" in ports:
            want[f"CANDOUR_{up}_BIND"] = f"tcp://0.0.0.0:{ports['bus']}"
            for ep in str(cm.get(f"CANDOUR_{up}_ENDPOINT", "")).split(","):
                m = re.fullmatch(r"tcp://([a-z0-9.-]+):(\d+)", ep.strip())
                svc = m and _find(docs, "Service", m.group(1).split(".")[0])
                if not svc or int(m.group(2)) not in [
                    p["port"] for p in svc[0]["spec"].get("ports") or []
                ]:
                    out.append(
                        f"ConfigMap: CANDOUR_{up}_ENDPOINT {ep!r} is not a Service's port of the manifests"
                    )
        for k, v in want.items():
            if cm.get(k) != v:
                out.append(
                    f"ConfigMap: {k} must be {v} (bind every address in a pod), not {cm.get(k)!r}"
                )
    want = {
        "CANDOUR_INTAKE_PUBLIC_BIND": "tcp://0.0.0.0:7100",
        "CANDOUR_GATEWAY_HTTP": "0.0.0.0:8080",
    }
    for k, v in want.items():
        if cm.get(k) != v:
            out.append(f"ConfigMap: {k} must be {v}, not {cm.get(k)!r}")
    for k, v in env_sample.items():
        # intake's public endpoint is the one address that is not the compose one
        if k == "CANDOUR_INTAKE_PUBLIC_ENDPOINT":
            continue
        if re.search(r"_(BIND|ENDPOINT|ADMIN|HTTP)$", k) and cm.get(k) != v:
            out.append(f"ConfigMap: {k} is {cm.get(k)!r} but deploy/candour.env.sample says {v!r}")


MIGRATE = ["candourctl", "migrate"]


def _job_rules(docs, out):
    """A Job runs `candourctl migrate` first; its containers are candourctl, held as the daemons."""
    found = False
    for j in _find(docs, "Job"):
        pod = j["spec"]["template"]["spec"]
        inits, cs = pod.get("initContainers") or [], pod.get("containers") or []
        if not any(c.get("command") == MIGRATE for c in inits + cs):
            continue
        found = True
        where = f"Job {j['metadata']['name']}"
        if not (any(c.get("command") == MIGRATE for c in inits) or len(cs) == 1):
            out.append(f"{where}: migrate must run first (an init container)")
        for c in inits + cs:
            if (c.get("command") or [""])[0] != "candourctl":
                out.append(f"{where}: container {c.get('name')} is not candourctl")
            _container_rules(f"{where} container {c.get('name')}", c, pod, out)
    if not found:
        out.append(f"no Job runs {MIGRATE}")


def problems(docs, env_sample):
    out = []
    if not _find(docs, "Namespace", NAMESPACE):
        out.append(f"no Namespace {NAMESPACE}")
    for d in docs:
        if d.get("kind") != "Namespace" and d["metadata"].get("namespace") != NAMESPACE:
            out.append(f"{d.get('kind')} {d['metadata'].get('name')}: not in namespace {NAMESPACE}")
        if d.get("kind") == "Secret":
            out.append(
                f"Secret {d['metadata'].get('name')}: secrets are made by hand (README), not kept here"
            )
    cms = _find(docs, "ConfigMap", "candour-config")
    cm = (cms[0].get("data") or {}) if cms else {}
    if not cms:
        out.append("no ConfigMap candour-config")
    _config_rules(cm, env_sample, docs, out)
    claims = {p["metadata"]["name"] for p in _find(docs, "PersistentVolumeClaim")}
    for name, ports in DAEMONS.items():
        deps = _find(docs, "Deployment", name)
        if len(deps) != 1:
            out.append(f"Deployment {name}: missing (every daemon needs one)")
            continue
        _deployment_rules(name, ports, deps[0], cm, claims, out)
        _service_rules(
            name, ports, docs, deps[0]["spec"]["template"]["metadata"].get("labels") or {}, out
        )
    if len(_find(docs, "Deployment")) != len(DAEMONS):
        out.append(
            f"Deployments: {len(_find(docs, 'Deployment'))}, not one per daemon ({len(DAEMONS)})"
        )
    _job_rules(docs, out)
    _network_rules(docs, out)
    return out
