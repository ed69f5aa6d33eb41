"""A real S3 API on loopback for Switchboard's object-storage tests: moto's server mode.

Usage: server.py PORT BUCKET...   Starts the S3 API on 127.0.0.1:PORT, creates each BUCKET,
prints READY, and runs until its standard input closes (the test that started it ended).
"""

import logging
import sys

import boto3
from moto.server import ThreadedMotoServer


def main() -> None:
    port = int(sys.argv[1])
    # One line per request would drown the test's own output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="test-key-id",
        aws_secret_access_key="test-secret",
    )
    for bucket in sys.argv[2:]:
        s3.create_bucket(Bucket=bucket)
    print("READY", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
