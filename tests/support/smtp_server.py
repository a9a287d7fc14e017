#!/usr/bin/python3
"""smtp_server.py - a real SMTP server for the tests of notify's email (smtp.c).

    /usr/bin/python3 smtp_server.py --port P --dir D
        [--tls-cert C --tls-key K [--require-starttls]] [--auth USER:PASS]

aiosmtpd's Controller (Debian 12's python3-aiosmtpd 1.4.3) on 127.0.0.1:P.
Each accepted message is stored whole as D/<n>.eml (n from 1), and beside it,
for a test in C to compare without a MIME parser of its own, what Python's
email package reads from it (strict policy) in D/<n>.d/:

    from, to, subject, message_id, date, mime_version   header values, decoded
    content_type                                        the top-level type
    body                                                the text/plain part, decoded (\n)
    attachment_name, attachment_type, attachment        the first attachment (bytes)
    defects                                             one per line; empty when none
    envelope                                            MAIL FROM, then each RCPT TO

The directory appears first, then the .eml, each by rename, so a test that
sees <n>.eml sees everything. D/ready is written once the server is
listening. RCPT TO a local part starting "refuse" is answered 550, "later"
451. With --tls-cert/--tls-key STARTTLS is offered (and with
--require-starttls required before anything else); with --auth, AUTH is
required and only USER:PASS accepted. SIGTERM or SIGINT stops it, as does
its parent going away (a test that crashed). Its own log goes to stderr.
"""
import argparse
import email
import email.policy
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler:
    def __init__(self, directory):
        self.dir = directory
        self.n = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 Mailbox unavailable"
        if local.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        with self.lock:
            self.n += 1
            n = self.n
        self.store(n, raw, envelope)
        return "250 OK stored as %d" % n

    def store(self, n, raw, envelope):
        staging = os.path.join(self.dir, ".%d.d" % n)
        os.mkdir(staging)
        files = {"envelope": "\n".join([envelope.mail_from] + envelope.rcpt_tos) + "\n"}
        defects = []
        try:
            msg = email.message_from_bytes(raw, policy=email.policy.strict)
        except Exception as e:  # strict raises on the first defect
            defects.append("parse: %s" % e)
            msg = email.message_from_bytes(raw, policy=email.policy.default)
        for name, key in (("from", "From"), ("to", "To"), ("subject", "Subject"),
                          ("message_id", "Message-ID"), ("date", "Date"),
                          ("mime_version", "MIME-Version")):
            values = msg.get_all(key) or []
            if len(values) != 1:
                defects.append("%d %s headers" % (len(values), key))
            files[name] = str(values[0]) if values else ""
        files["content_type"] = msg.get_content_type()
        for part in msg.walk():
            defects.extend("%s: %r" % (part.get_content_type(), d) for d in part.defects)
        body = msg.get_body(preferencelist=("plain",))
        # The parser keeps the wire's CRLFs; the text sent had \n.
        files["body"] = body.get_content().replace("\r\n", "\n") if body is not None else ""
        for part in msg.iter_attachments():
            files["attachment_name"] = part.get_filename() or ""
            files["attachment_type"] = part.get_content_type()
            files["attachment"] = part.get_content()
            break
        files["defects"] = "".join(d + "\n" for d in defects)
        for name, value in files.items():
            data = value if isinstance(value, bytes) else value.encode("utf-8")
            with open(os.path.join(staging, name), "wb") as f:
                f.write(data)
        os.rename(staging, os.path.join(self.dir, "%d.d" % n))
        write_atomic(os.path.join(self.dir, "%d.eml" % n), raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--auth", metavar="USER:PASS")
    a = ap.parse_args()

    kwargs = {}
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = a.require_starttls
    if a.auth:
        user, _, password = a.auth.partition(":")
        want = LoginPassword(user.encode(), password.encode())

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data == want
            return AuthResult(success=ok, handled=False)

        kwargs.update(auth_required=True, auth_require_tls=bool(a.tls_cert),
                      authenticator=authenticator)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()

    controller = Controller(Handler(a.dir), hostname="127.0.0.1", port=a.port,
                            ready_timeout=10, **kwargs)
    controller.start()
    write_atomic(os.path.join(a.dir, "ready"), b"%d\n" % a.port)
    # Short waits, so a signal is handled promptly and an orphan notices.
    while not stop.wait(0.2):
        if os.getppid() != parent:
            break
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
