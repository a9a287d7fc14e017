#!/usr/bin/python3
"""openapi_schemas.py - the staff API document's message schemas, from the .proto files.

    /usr/bin/python3 tests/support/openapi_schemas.py --proto-dir proto \
        --doc services/gateway/openapi.json (--write | --check)

services/gateway/openapi.json is written by hand and is what the gateway
serves; its components/schemas named after a proto message or enum are the
one part a person should not type. This script reads proto/candour/v1/*.proto
(a small reader for the subset Candour's protos use: messages, enums, oneofs,
scalar/message/enum fields, // comments) and makes each such schema as the
JSON converter (common/src/pbjson.c) reads and writes the message: field
names as in the .proto, enums by name, 64-bit integers as numbers or decimal
strings, bytes as base64, each field described by its .proto comment.

Which schemas it makes: every proto message or enum that the document
references ("$ref": "#/components/schemas/SetPlan"), and those they use in
turn. A message reachable from a request body refuses unknown fields
(additionalProperties: false), as the converter does; one only answered
does not say so, so that clients keep reading answers that gain a field.
Schemas with other names (Error, Me, ...) are the document's own and are
left alone; so is "Error", which is the API's error body, not the bus's
candour.v1.Error.

--write puts the schemas into the document (keeping its layout: two-space
indent, keys in the order written); --check exits 1, saying which differ,
when the document's are not what the .proto files give (a ctest runs it).
Only the Python standard library: Debian's python3 runs it.
"""

import argparse
import glob
import json
import os
import re
import sys

HAND_WRITTEN = {"Error"}  # proto names the document keeps for itself

SCALARS = {
    "string": {"type": "string"},
    "bool": {"type": "boolean"},
    "int32": {"type": "integer", "format": "int32", "minimum": -2147483648, "maximum": 2147483647},
    "sint32": {"type": "integer", "format": "int32", "minimum": -2147483648, "maximum": 2147483647},
    "sfixed32": {"type": "integer", "format": "int32", "minimum": -2147483648, "maximum": 2147483647},
    "uint32": {"type": "integer", "format": "uint32", "minimum": 0, "maximum": 4294967295},
    "fixed32": {"type": "integer", "format": "uint32", "minimum": 0, "maximum": 4294967295},
    # proto3 JSON: a 64-bit integer is a number or a decimal string; the
    # converter writes a number unless it does not fit jansson's int64.
    "int64": {"type": ["integer", "string"], "format": "int64", "pattern": "^-?[0-9]+$"},
    "sint64": {"type": ["integer", "string"], "format": "int64", "pattern": "^-?[0-9]+$"},
    "sfixed64": {"type": ["integer", "string"], "format": "int64", "pattern": "^-?[0-9]+$"},
    "uint64": {"type": ["integer", "string"], "format": "uint64", "minimum": 0, "pattern": "^[0-9]+$"},
    "fixed64": {"type": ["integer", "string"], "format": "uint64", "minimum": 0, "pattern": "^[0-9]+$"},
    "double": {"type": ["number", "string"], "format": "double"},
    "float": {"type": ["number", "string"], "format": "float"},
    "bytes": {"type": "string", "contentEncoding": "base64"},
}

TOKEN = re.compile(r"\s*(//.*|[A-Za-z_][A-Za-z0-9_.]*|-?[0-9]+|\"[^\"]*\"|[{}=;<>,\[\]()])")


class Proto:
    """Messages and enums of every file, by simple name (Candour has one package)."""

    def __init__(self):
        self.messages = {}  # name -> [(label, type, name, doc)]
        self.enums = {}  # name -> [(value name, doc)]

    def read(self, path):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        toks = []  # (line, indent, text); comments as "//..."
        for no, line in enumerate(lines):
            indent = len(line) - len(line.lstrip(" "))
            pos = 0
            while pos < len(line):
                m = TOKEN.match(line, pos)
                if not m:
                    if line[pos:].strip():
                        sys.exit(f"{path}:{no + 1}: cannot read {line[pos:]!r}")
                    break
                toks.append((no, indent, m.group(1)))
                pos = m.end()
        self._parse(path, toks)

    def _parse(self, path, toks):
        code_lines = {no for no, _, t in toks if not t.startswith("//")}
        comments = {}  # line -> [text, kind]: "trail" after code, "cont" under one, "alone"
        for no, indent, t in toks:
            if not t.startswith("//"):
                continue
            kind = "trail" if no in code_lines else "alone"
            # A comment line indented under a trailing comment goes on with it
            # (StaffMember.version): not the next declaration's.
            if kind == "alone" and indent > 6 and comments.get(no - 1, [0, ""])[1] in ("trail", "cont"):
                kind = "cont"
            comments[no] = [t[2:].strip(), kind]

        def doc_for(no):
            """A declaration's leading comment lines, its trailing comment and
            the lines that go on with it, as one text."""
            lead, k = [], no - 1
            while comments.get(k, [0, ""])[1] == "alone":
                lead.insert(0, comments[k][0])
                k -= 1
            trail, k = [], no
            if comments.get(k, [0, ""])[1] == "trail":
                trail.append(comments[k][0])
                k += 1
                while comments.get(k, [0, ""])[1] == "cont":
                    trail.append(comments[k][0])
                    k += 1
            return " ".join(x for x in lead + trail if x)

        code = [(no, ind, t) for no, ind, t in toks if not t.startswith("//")]
        i = 0
        stack = []  # ("message", name) / ("enum", name) / ("oneof", name) / ("other", None)

        def expect(t):
            nonlocal i
            if code[i][2] != t:
                sys.exit(f"{path}:{code[i][0] + 1}: expected {t!r}, got {code[i][2]!r}")
            i += 1

        while i < len(code):
            no, ind, t = code[i]
            if t in ("syntax", "package", "import", "option", "reserved"):
                while code[i][2] != ";":
                    i += 1
                i += 1
            elif t in ("message", "enum", "oneof"):
                name = code[i + 1][2]
                i += 2
                expect("{")
                if t == "message":
                    if stack and stack[-1][0] == "message":
                        sys.exit(f"{path}:{no + 1}: nested message {name}: not read here")
                    self.messages[name] = []
                elif t == "enum":
                    self.enums[name] = []
                stack.append((t, name))
            elif t == "}":
                stack.pop()
                i += 1
            elif stack and stack[-1][0] == "enum":
                name = t
                i += 1
                expect("=")
                i += 1
                expect(";")
                self.enums[stack[-1][1]].append((name, doc_for(no)))
            elif stack and stack[-1][0] in ("message", "oneof"):
                label = ""
                if t in ("repeated", "optional"):
                    label = t
                    i += 1
                ftype, fname = code[i][2], code[i + 1][2]
                i += 2
                expect("=")
                i += 1
                expect(";")
                msg = next(n for k, n in reversed(stack) if k == "message")
                self.messages[msg].append((label, ftype, fname, doc_for(no)))
            else:
                sys.exit(f"{path}:{no + 1}: unexpected {t!r}")

    def short(self, ftype):
        return ftype.rsplit(".", 1)[-1]

    def schema(self, name, request, omit=()):
        if name in self.enums:
            values = self.enums[name]
            s = {"title": name, "type": "string", "enum": [v for v, _ in values]}
            docs = [f"{v}: {d}" for v, d in values if d]
            if docs:
                s["description"] = "; ".join(docs)
            return s
        props = {}
        for label, ftype, fname, doc in self.messages[name]:
            if fname in omit:
                continue
            t = self.short(ftype)
            if t in SCALARS:
                one = dict(SCALARS[t])
            elif t in self.messages or t in self.enums:
                one = {"$ref": f"#/components/schemas/{t}"}
            else:
                sys.exit(f"{name}.{fname}: unknown type {ftype}")
            if label == "repeated":
                one = {"type": "array", "items": one}
            if doc:
                one = dict(one, description=doc) if "$ref" not in one else {
                    "description": doc, "$ref": one["$ref"]}
            props[fname] = one
        s = {"title": name, "type": "object", "properties": props}
        if omit:
            s["description"] = "The operation's message less " + ", ".join(
                sorted(omit)) + ", which the path gives."
        if request:
            s["additionalProperties"] = False
        return s

    def uses(self, name):
        if name not in self.messages:
            return []
        return [self.short(t) for _, t, _, _ in self.messages[name]
                if self.short(t) in self.messages or self.short(t) in self.enums]


def refs(node, out):
    if isinstance(node, dict):
        r = node.get("$ref")
        if isinstance(r, str) and r.startswith("#/components/schemas/"):
            out.add(r[len("#/components/schemas/"):])
        for v in node.values():
            refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def closure(proto, roots):
    seen, todo = set(), list(roots)
    while todo:
        n = todo.pop()
        if n in seen or n in HAND_WRITTEN or (n not in proto.messages and n not in proto.enums):
            continue
        seen.add(n)
        todo.extend(proto.uses(n))
    return seen


def make(proto, doc):
    """The schemas the .proto files give for the document's references."""
    req_roots, all_roots, omit = set(), set(), {}
    for path, item in doc.get("paths", {}).items():
        for op in item.values():
            if isinstance(op, dict) and "requestBody" in op:
                body = set()
                refs(op["requestBody"], body)
                req_roots |= body
                # The path's parameters fill their fields: not the body's.
                for n in body:
                    omit.setdefault(n, set()).update(re.findall(r"\{([A-Za-z0-9_]+)\}", path))
    refs({k: v for k, v in doc.items() if k != "components"}, all_roots)
    comps = doc.get("components", {})
    refs({k: v for k, v in comps.items() if k != "schemas"}, all_roots)
    for k, v in comps.get("schemas", {}).items():
        if k not in proto.messages and k not in proto.enums or k in HAND_WRITTEN:
            refs(v, all_roots)
    # A hand-written request schema (the web form's) passes request-ness on.
    for n in list(req_roots):
        if (n not in proto.messages or n in HAND_WRITTEN) and n in comps.get("schemas", {}):
            refs(comps["schemas"][n], req_roots)
    request = closure(proto, req_roots)
    every = closure(proto, all_roots | req_roots)
    return {n: proto.schema(n, n in request, omit.get(n, ())) for n in sorted(every)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--doc", required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true")
    g.add_argument("--check", action="store_true")
    a = ap.parse_args()
    proto = Proto()
    files = sorted(glob.glob(os.path.join(a.proto_dir, "candour", "v1", "*.proto")))
    if not files:
        sys.exit(f"no .proto files under {a.proto_dir}/candour/v1")
    for p in files:
        proto.read(p)
    with open(a.doc, encoding="utf-8") as f:
        doc = json.load(f)
    want = make(proto, doc)
    have = doc.setdefault("components", {}).setdefault("schemas", {})
    if a.check:
        bad = []
        for n, s in want.items():
            if have.get(n) != s:
                bad.append(f"{n}: {'missing' if n not in have else 'differs from the .proto'}")
        for n in have:
            if (n in proto.messages or n in proto.enums) and n not in want and n not in HAND_WRITTEN:
                bad.append(f"{n}: not referenced by the document")
        if bad:
            print("openapi_schemas: the document's schemas are not the .proto files':", file=sys.stderr)
            for b in bad:
                print("  " + b, file=sys.stderr)
            print(f"run: /usr/bin/python3 {sys.argv[0]} --proto-dir {a.proto_dir} --doc {a.doc}"
                  " --write", file=sys.stderr)
            return 1
        print(f"openapi_schemas: {len(want)} schemas match the .proto files")
        return 0
    for n in [n for n in have if (n in proto.messages or n in proto.enums)
              and n not in HAND_WRITTEN]:
        del have[n]
    keep = dict(have)
    have.clear()
    for n in sorted(set(keep) | set(want)):
        have[n] = want.get(n, keep.get(n))
    with open(a.doc, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"openapi_schemas: wrote {len(want)} schemas into {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
