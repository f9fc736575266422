"""moto_server (the AWS emulator the tests run against) with AWS's atomicity for writes.

moto 5's server is threaded and checks a condition and then writes without a lock: two S3 puts with
the same If-Match, or two DynamoDB conditional updates of one item, can both succeed, which AWS
never allows. Here every request that may write (any method but GET, HEAD and OPTIONS) is handled
while holding one lock, so conditions and writes are atomic as on AWS; reads stay concurrent.

Usage: python3 test/support/moto_server.py HOST PORT
"""

import os
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

READS = ("GET", "HEAD", "OPTIONS")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: moto_server.py HOST PORT")
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    write_lock = threading.Lock()

    def one_write_at_a_time(environ, start_response):
        if environ.get("REQUEST_METHOD") in READS:
            return app(environ, start_response)
        with write_lock:
            # The whole answer is produced under the lock: moto may write while it streams.
            return list(app(environ, start_response))

    run_simple(host, port, one_write_at_a_time, threaded=True)


if __name__ == "__main__":
    main()
