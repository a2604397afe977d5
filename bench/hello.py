"""The baseline: a Flask "hello world" on the same waitress, with the same threads as ``boxlocale serve``.

    python bench/hello.py --port 8081 --threads 6
"""

import argparse

from flask import Flask
from waitress import serve

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=6)
    args = parser.parse_args()
    serve(app, host=args.host, port=args.port, threads=args.threads, connection_limit=200, channel_timeout=60)
