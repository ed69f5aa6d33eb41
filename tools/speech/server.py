"""A transcription server speaking OpenAI's POST /v1/audio/transcriptions, backed by a real
speech recognizer: CMU PocketSphinx (the PyPI package `pocketsphinx`, which carries its
US English model). For the test that feeds Switchboard a voicemail spoken by espeak-ng
(tests/api/speech.rs); not for production use.

Usage: python server.py PORT     (prints "ready" once listening)
Takes WAV files (any rate, 16-bit mono or stereo); answers {"text": ...}, or an error in
OpenAI's shape.
"""

import audioop
import email.parser
import io
import json
import sys
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pocketsphinx import Decoder

DECODER = Decoder(samprate=16000)


def recognize(wav_bytes):
    with wave.open(io.BytesIO(wav_bytes)) as w:
        width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raw = audioop.lin2lin(raw, width, 2)
    if channels == 2:
        raw = audioop.tomono(raw, 2, 0.5, 0.5)
    if rate != 16000:
        raw, _ = audioop.ratecv(raw, 2, 1, rate, 16000, None)
    DECODER.start_utt()
    DECODER.process_raw(raw, full_utt=True)
    DECODER.end_utt()
    hyp = DECODER.hyp()
    return hyp.hypstr if hyp else ""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message, param=None):
        self.answer(status, {"error": {"message": message, "type": "invalid_request_error",
                                       "param": param, "code": None}})

    def do_POST(self):
        if self.path != "/v1/audio/transcriptions":
            return self.error(404, "no such route")
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        head = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode()
        msg = email.parser.BytesParser().parsebytes(head + body)
        fields = {}
        for part in msg.get_payload() if msg.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            fields[name] = part.get_payload(decode=True)
        if not fields.get("file"):
            return self.error(400, "No file was uploaded.", "file")
        if not fields.get("model"):
            return self.error(400, "you must provide a model parameter", "model")
        try:
            text = recognize(fields["file"])
        except (wave.Error, EOFError) as e:
            return self.error(415, f"unsupported audio: {e}", "file")
        self.answer(200, {"text": text})


def main():
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
