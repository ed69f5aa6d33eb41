#!/usr/bin/env python3
"""Checks Switchboard against the providers' official helper libraries (PyPI `twilio`, `plivo`).

    sdk_conformance.py sign --provider twilio|plivo --token T --url U --params JSON
        prints the request headers the SDK's own signing code produces, as JSON
    sdk_conformance.py xml --provider twilio|plivo [--kind voice|messaging] FILE...
        checks that every element, nesting and attribute in the XML documents is one the SDK's
        own XML builders know (its voice builders, or with --kind messaging the builders of a
        reply to an incoming text); prints each problem and exits 1 if there is any

Only the SDKs' code decides what is valid here; nothing is hard-coded but the mapping from
an element name to the SDK class that builds it.
"""
import argparse
import inspect
import json
import re
import sys
import xml.etree.ElementTree as ET


def twilio_sign(token, url, params):
    from twilio.request_validator import RequestValidator

    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def plivo_sign(token, url, params):
    from plivo.utils.signature_v3 import construct_post_url, get_signature_v3

    nonce = "12345678901234567890"
    base = construct_post_url(url, params).decode("utf-8")
    sig = get_signature_v3(token.encode(), base, nonce.encode()).decode()
    return {"X-Plivo-Signature-V3": sig, "X-Plivo-Signature-V3-Nonce": nonce}


def twilio_vocabulary(kind="voice"):
    """{tag: (attributes, children)} from twilio.twiml.voice_response (or messaging_response)."""
    from twilio.twiml import TwiML, lower_camel
    from twilio.twiml import messaging_response, voice_response

    vr = voice_response if kind == "voice" else messaging_response
    root = "VoiceResponse" if kind == "voice" else "MessagingResponse"

    classes = {
        name: cls
        for name, cls in inspect.getmembers(vr, inspect.isclass)
        if issubclass(cls, TwiML)
    }
    vocab = {}
    for tag, cls in classes.items():
        init = inspect.signature(cls.__init__)
        body = {p for p in init.parameters if p not in ("self", "kwargs")}
        children, attrs = set(), set()
        for mname, method in inspect.getmembers(cls, inspect.isfunction):
            child = next((c for c in classes if c.lower() == mname.replace("_", "")), None)
            if child is None or mname.startswith("_"):
                continue
            children.add(child)
        vocab[tag] = {"children": children, "body": body, "attrs": attrs}
    # Attributes of a tag are the builder method's parameters, minus the body ones.
    for parent, cls in classes.items():
        for mname, method in inspect.getmembers(cls, inspect.isfunction):
            child = next((c for c in classes if c.lower() == mname.replace("_", "")), None)
            if child is None or mname.startswith("_"):
                continue
            params = [
                p
                for p in inspect.signature(method).parameters
                if p not in ("self", "kwargs") and p not in vocab[child]["body"]
            ]
            # `from_` is the SDK's spelling of the `from` attribute (a Python keyword).
            vocab[child]["attrs"].update(lower_camel(p.rstrip("_")) for p in params)
    vocab["Response"] = vocab.pop(root)
    return vocab


def plivo_vocabulary():
    """{tag: (attributes, children)} from plivo.xml."""
    import plivo.xml as px

    vocab = {}
    for name, cls in inspect.getmembers(px, inspect.isclass):
        tag = getattr(cls, "_name", None)
        if not tag or not hasattr(cls, "to_dict"):
            continue
        src = inspect.getsource(cls.to_dict)
        attrs = set(re.findall(r"'(\w+)'\s*:", src))
        vocab[tag] = {"children": set(getattr(cls, "_nestable", [])), "attrs": attrs}
    return vocab


def check(provider, files, kind="voice"):
    vocab = twilio_vocabulary(kind) if provider == "twilio" else plivo_vocabulary()
    problems = []
    seen = set()

    def walk(node, parent, where):
        tag = node.tag
        seen.add(tag)
        if tag not in vocab:
            problems.append(f"{where}: <{tag}> is not an element the {provider} SDK knows")
            return
        if parent is not None and tag not in vocab[parent]["children"]:
            problems.append(f"{where}: <{tag}> may not be inside <{parent}> ({provider} SDK)")
        for attr in node.attrib:
            if attr not in vocab[tag]["attrs"]:
                problems.append(f"{where}: <{tag} {attr}=…> is not an attribute the {provider} SDK knows")
        for child in node:
            walk(child, tag, where)

    for f in files:
        root = ET.parse(f).getroot()
        if root.tag != "Response":
            problems.append(f"{f}: the root is <{root.tag}>, not <Response>")
        walk(root, None, f)
    for p in problems:
        print(p)
    print(json.dumps({"documents": len(files), "elements": sorted(seen), "problems": len(problems)}))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sign")
    s.add_argument("--provider", required=True, choices=["twilio", "plivo"])
    s.add_argument("--token", required=True)
    s.add_argument("--url", required=True)
    s.add_argument("--params", required=True)
    x = sub.add_parser("xml")
    x.add_argument("--provider", required=True, choices=["twilio", "plivo"])
    x.add_argument("--kind", default="voice", choices=["voice", "messaging"])
    x.add_argument("files", nargs="+")
    a = ap.parse_args()
    if a.cmd == "sign":
        params = json.loads(a.params)
        fn = twilio_sign if a.provider == "twilio" else plivo_sign
        print(json.dumps(fn(a.token, a.url, params)))
        return 0
    return check(a.provider, a.files, a.kind)


if __name__ == "__main__":
    sys.exit(main())
