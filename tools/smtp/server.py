"""A real SMTP server on loopback for the email channel tests (aiosmtpd, installed by .ci/run).

    python server.py PORT MODE

MODE: `accept` takes every message; `later` answers the first with 451 (try again later) and
takes the rest; `reject` refuses every message with 550. Prints READY once listening, then one
JSON line per message taken: the envelope and the message as Python's email parser reads it
(decoded subject, each part's type, file name and text, or the SHA-256 and size of its bytes).
"""
import asyncio
import email
import email.policy
import hashlib
import json
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, mode):
        self.mode = mode
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.mode == "reject":
            return "550 5.7.1 Mailbox unavailable"
        if self.mode == "later" and self.seen == 1:
            return "451 4.3.0 Try again later"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            body = part.get_payload(decode=True) or b""
            entry = {"type": part.get_content_type(), "filename": part.get_filename()}
            if part.get_content_maintype() == "text":
                entry["text"] = body.decode(part.get_content_charset() or "utf-8", "replace")
            else:
                entry["sha256"] = hashlib.sha256(body).hexdigest()
                entry["size"] = len(body)
            parts.append(entry)
        print(json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "content_type": msg.get_content_type(),
            "parts": parts,
        }), flush=True)
        return "250 OK"


async def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Handler(mode), hostname="127.0.0.1", port=port)
    controller.start()
    print("READY", flush=True)
    # Until the test ends (it closes stdin or kills the process).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    controller.stop()


asyncio.run(main())
