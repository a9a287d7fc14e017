#!/usr/bin/python3
"""openapi_examples.py - the staff API document's examples hold to its own schemas.

    /usr/bin/python3 tests/support/openapi_examples.py services/gateway/openapi.json

Run by ctest (tests/CMakeLists.txt: openapi/examples). With Debian's
python3-jsonschema (4.10, Draft 2020-12, which OpenAPI 3.1 schemas are):

- every schema in the document (components/schemas, and each one inline in a
  parameter, header, request body or response) is itself a valid JSON Schema;
- every example (a parameter's, a header's, a request body's and a response's,
  `example` or each of `examples`) validates against the schema it stands
  beside, with the document's "$ref"s resolved in the document;
- every "$ref" anywhere resolves, and every operation has a request example
  (when it takes a body or parameters) and a success response example.

test_gateway_openapi.c holds the document to the gateway's URL table and the
.proto messages; this holds it to itself. Exit 0 when all hold, 1 (each
failure named by its JSON pointer) when not, 77 (ctest: skipped) when
python3-jsonschema is not installed.
"""

import json
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("openapi_examples: python3-jsonschema is not installed (apt-get install"
          " python3-jsonschema): skipped", file=sys.stderr)
    sys.exit(77)

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class Checker:
    def __init__(self, doc):
        self.doc = doc
        self.failures = []
        # Every "$ref": "#/..." resolves in the document itself.
        self.resolver = jsonschema.RefResolver.from_schema(doc)
        self.schemas_seen = 0
        self.examples_seen = 0

    def fail(self, where, what):
        self.failures.append(f"{where}: {what}")

    def pointer(self, ref, where):
        """The node a local "$ref" names, or None (a failure)."""
        if not isinstance(ref, str) or not ref.startswith("#/"):
            self.fail(where, f"$ref {ref!r} is not a local reference")
            return None
        node = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                self.fail(where, f"$ref {ref} does not resolve")
                return None
        return node

    def deref(self, node, where):
        """An OpenAPI object (parameter, response, header...) that may be a $ref."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 8:
            node = self.pointer(node["$ref"], where)
            seen += 1
        return node

    def all_refs(self, node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                self.pointer(node["$ref"], where)
            for k, v in node.items():
                self.all_refs(v, f"{where}/{k.replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                self.all_refs(v, f"{where}/{i}")

    def schema_ok(self, schema, where):
        self.schemas_seen += 1
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            self.fail(where, f"not a valid JSON Schema: {e.message}")
            return False
        return True

    def example_ok(self, schema, value, where):
        self.examples_seen += 1
        v = Draft202012Validator(schema, resolver=self.resolver)
        try:
            errors = sorted(v.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
        except (jsonschema.exceptions.RefResolutionError, jsonschema.exceptions.UnknownType) as e:
            # A schema it refers to is broken: reported there too.
            self.fail(where, f"cannot be checked: {type(e).__name__}: {str(e).splitlines()[0]}")
            return
        for e in errors:
            path = "/".join(str(p) for p in e.absolute_path)
            self.fail(where, f"example does not validate at '{path}': {e.message}")

    def examples_of(self, obj, schema, where):
        """Checks obj's example(s) against schema; returns how many it has."""
        n = 0
        if "example" in obj:
            self.example_ok(schema, obj["example"], f"{where}/example")
            n += 1
        for name, ex in (obj.get("examples") or {}).items():
            ex = self.deref(ex, f"{where}/examples/{name}")
            if not isinstance(ex, dict) or "value" not in ex:
                self.fail(f"{where}/examples/{name}", "an example without a value")
                continue
            self.example_ok(schema, ex["value"], f"{where}/examples/{name}")
            n += 1
        return n

    def media(self, content, where):
        n = 0
        for ctype, m in (content or {}).items():
            w = f"{where}/content/{ctype.replace('/', '~1')}"
            if "schema" not in m:
                self.fail(w, "no schema")
                continue
            self.schema_ok(m["schema"], f"{w}/schema")
            n += self.examples_of(m, m["schema"], w)
        return n

    def parameter(self, p, where):
        p = self.deref(p, where)
        if not isinstance(p, dict) or "schema" not in p:
            self.fail(where, "a parameter without a schema")
            return 0
        self.schema_ok(p["schema"], f"{where}/schema")
        return self.examples_of(p, p["schema"], where)

    def headers(self, headers, where):
        for name, h in (headers or {}).items():
            w = f"{where}/headers/{name}"
            h = self.deref(h, w)
            if isinstance(h, dict) and "schema" in h:
                self.schema_ok(h["schema"], f"{w}/schema")
                self.examples_of(h, h["schema"], w)

    def operation(self, path, method, op):
        where = f"#/paths/{path.replace('/', '~1')}/{method}"
        req_examples = 0
        params = op.get("parameters", [])
        for i, p in enumerate(params):
            req_examples += self.parameter(p, f"{where}/parameters/{i}")
        body = op.get("requestBody")
        if body is not None:
            body = self.deref(body, f"{where}/requestBody")
            n = self.media(body.get("content"), f"{where}/requestBody")
            if n == 0:
                self.fail(f"{where}/requestBody", "no example of the request body")
            req_examples += n
        if (params or body is not None) and req_examples == 0:
            self.fail(where, "no request example")
        ok_examples = 0
        for status, r in (op.get("responses") or {}).items():
            w = f"{where}/responses/{status}"
            r = self.deref(r, w)
            if not isinstance(r, dict):
                continue
            n = self.media(r.get("content"), w)
            self.headers(r.get("headers"), w)
            if str(status).startswith("2"):
                ok_examples += n
        if ok_examples == 0:
            self.fail(where, "no example of a successful answer")

    def run(self):
        self.all_refs(self.doc, "#")
        for name, s in self.doc.get("components", {}).get("schemas", {}).items():
            self.schema_ok(s, f"#/components/schemas/{name}")
        for name, p in self.doc.get("components", {}).get("parameters", {}).items():
            self.parameter(p, f"#/components/parameters/{name}")
        self.headers(self.doc.get("components", {}).get("headers"), "#/components")
        nops = 0
        for path, item in self.doc.get("paths", {}).items():
            for method, op in item.items():
                if method in METHODS:
                    self.operation(path, method, op)
                    nops += 1
        return nops


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    c = Checker(doc)
    nops = c.run()
    for f in c.failures:
        print(f"openapi_examples: {f}", file=sys.stderr)
    print(f"openapi_examples: {nops} operations, {c.schemas_seen} schemas, "
          f"{c.examples_seen} examples, {len(c.failures)} failures")
    return 1 if c.failures or nops == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
