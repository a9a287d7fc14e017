#!/usr/bin/env python3
"""check.py - checks Candour's Kubernetes manifests offline (ctest k8s/manifests).

    tests/k8s/check.py deploy/k8s [--env-sample deploy/candour.env.sample] [--no-self-test]

Renders the kustomization as `kubectl apply -k` would (its resources,
namespace and images: the fields deploy/k8s uses), rejecting duplicate keys, and holds the
objects to the rules in policy.py. When a kubectl is on the PATH (or
CANDOUR_TEST_KUBECTL names one; "none": do not use one), `kubectl kustomize`
renders the directory too, offline, and its objects must be the same and keep
the same rules. No cluster is needed: `kubectl apply --dry-run=client` would ask
an API server for discovery.

Then the self-test: every broken variant in broken.py must be reported, and a
copy of the directory on disk with routing's liveness probe removed must make
this script exit 1.

Exit 0: the manifests hold; 1: they do not (each problem on its own line);
77: python3-yaml is missing (skipped).
"""

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("k8s: python3-yaml is missing (apt-get install python3-yaml): skipped")
    sys.exit(77)

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import broken  # noqa: E402
import policy  # noqa: E402


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""


def _no_duplicates(loader, node, deep=False):
    seen = set()
    for k, _ in node.value:
        key = loader.construct_object(k, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", k.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _set_images(docs, images):
    """kustomize's images: newName, newTag or digest for the containers whose image is name."""
    for d in docs:
        pod = ((d.get("spec") or {}).get("template") or {}).get("spec") or {}
        for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
            ref = str(c.get("image", ""))
            name, tag = (
                (ref.rsplit(":", 1) + [""])[:2] if ":" in ref.rsplit("/", 1)[-1] else (ref, "")
            )
            for im in images:
                if im.get("name") == name:
                    name, tag = im.get("newName", name), im.get("newTag", tag)
                    digest = im.get("digest")
                    c["image"] = f"{name}@{digest}" if digest else f"{name}:{tag}" if tag else name


def render(directory):
    """The objects of directory/kustomization.yaml: its resources, namespace and images."""
    with open(os.path.join(directory, "kustomization.yaml"), encoding="utf-8") as f:
        kust = yaml.load(f, Loader=_StrictLoader)
    extra = set(kust) - {"apiVersion", "kind", "namespace", "resources", "images"}
    if extra:
        raise ValueError(f"kustomization.yaml: {sorted(extra)} are not understood by this check")
    docs = []
    for res in kust.get("resources") or []:
        with open(os.path.join(directory, res), encoding="utf-8") as f:
            for d in yaml.load_all(f, Loader=_StrictLoader):
                if d is None:
                    continue
                if (
                    not isinstance(d, dict)
                    or not d.get("kind")
                    or not (d.get("metadata") or {}).get("name")
                ):
                    raise ValueError(f"{res}: a document without kind or metadata.name")
                if kust.get("namespace") and d["kind"] != "Namespace":
                    d["metadata"]["namespace"] = kust["namespace"]
                docs.append(d)
    _set_images(docs, kust.get("images") or [])
    return docs


def kubectl_render(directory):
    """kubectl kustomize's objects, or None when there is no kubectl to ask."""
    kubectl = os.environ.get("CANDOUR_TEST_KUBECTL") or shutil.which("kubectl")
    if not kubectl or kubectl == "none":
        return None
    run = subprocess.run(
        [kubectl, "kustomize", directory],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, KUBECONFIG=os.devnull),
    )
    if run.returncode != 0:
        raise ValueError(f"{kubectl} kustomize {directory} failed: {run.stderr.strip()}")
    return [d for d in yaml.safe_load_all(run.stdout) if d]


def env_sample(path):
    """NAME=VALUE lines of an env file (comments and blanks skipped)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


def _ids(docs):
    return sorted(
        (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]) for d in docs
    )


def check(directory, sample):
    """Problems of the manifests (render, kubectl kustomize when present, policy)."""
    try:
        docs = render(directory)
        by_kubectl = kubectl_render(directory)
    except (OSError, ValueError, yaml.YAMLError, subprocess.SubprocessError) as e:
        return [str(e)], None
    out = policy.problems(docs, sample)
    if by_kubectl is not None:
        if _ids(by_kubectl) != _ids(docs):
            out.append(
                f"kubectl kustomize renders other objects: {_ids(by_kubectl)} vs {_ids(docs)}"
            )
        out += [
            f"(kubectl kustomize) {p}" for p in policy.problems(by_kubectl, sample) if p not in out
        ]
    return out, docs


def self_test(directory, sample_path, sample, docs):
    """Every broken variant is reported; a broken copy on disk fails the script."""
    failed = []
    for what, words, breaks in broken.MUTATIONS:
        d = copy.deepcopy(docs)
        breaks(d)
        found = policy.problems(d, sample)
        if not any(words in p for p in found):
            failed.append(f"self-test: {what} was not reported (wanted {words!r}; got {found})")
    with tempfile.TemporaryDirectory(prefix="candour-k8s.") as tmp:
        copy_dir = os.path.join(tmp, "k8s")
        shutil.copytree(directory, copy_dir)
        path = os.path.join(copy_dir, "routing.yaml")
        with open(path, encoding="utf-8") as f:
            objs = [o for o in yaml.safe_load_all(f) if o]
        for o in objs:
            if o["kind"] == "Deployment":
                del o["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump_all(objs, f)
        run = subprocess.run(
            [
                sys.executable,
                os.path.abspath(__file__),
                copy_dir,
                "--env-sample",
                sample_path,
                "--no-self-test",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if run.returncode != 1 or "Deployment routing: no livenessProbe" not in run.stdout:
            failed.append(
                f"self-test: a copy without routing's liveness probe passed (exit {run.returncode}):"
                f" {run.stdout.strip()}"
            )
    return failed


def main():
    ap = argparse.ArgumentParser(description="check Candour's Kubernetes manifests offline")
    ap.add_argument("directory")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument(
        "--env-sample", default=os.path.join(here, "..", "..", "deploy", "candour.env.sample")
    )
    ap.add_argument("--no-self-test", action="store_true")
    a = ap.parse_args()
    sample = env_sample(a.env_sample)
    found, docs = check(a.directory, sample)
    for p in found:
        print(f"k8s: {p}")
    if found:
        print(f"k8s: {len(found)} problem(s) in {a.directory}")
        return 1
    print(f"k8s: {len(docs)} objects in {a.directory} keep the rules")
    if not a.no_self_test:
        failed = self_test(a.directory, os.path.abspath(a.env_sample), sample, docs)
        for p in failed:
            print(f"k8s: {p}")
        if failed:
            return 1
        print(
            f"k8s: self-test: all {len(broken.MUTATIONS)} broken variants and the broken copy were reported"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
