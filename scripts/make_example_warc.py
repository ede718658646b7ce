"""Build examples/crawl.warc.gz from examples/border-talks.html (run from the repository root).

The WARC is committed so `make demo` needs no step; this script documents how it was made and
re-makes it byte-for-byte apart from the record ids and dates warcio assigns.
"""

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
URL = "https://ledger.example.org/2026/05/14/border-talks"


def main() -> None:
    html = (ROOT / "examples" / "border-talks.html").read_bytes()
    with open(ROOT / "examples" / "crawl.warc.gz", "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(
            "crawl.warc.gz", {"software": "chronicle example", "format": "WARC File Format 1.0"}))
        req = StatusAndHeaders("GET /2026/05/14/border-talks HTTP/1.1",
                               [("Host", "ledger.example.org")], is_http_request=True)
        writer.write_record(writer.create_warc_record(URL, "request", http_headers=req))
        resp = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                           ("Content-Length", str(len(html)))],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(URL, "response", payload=BytesIO(html),
                                                      http_headers=resp))
        robots = b"User-agent: *\nDisallow: /private/\n"
        resp = StatusAndHeaders("200 OK", [("Content-Type", "text/plain"),
                                           ("Content-Length", str(len(robots)))],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://ledger.example.org/robots.txt",
                                                      "response", payload=BytesIO(robots),
                                                      http_headers=resp))


if __name__ == "__main__":
    main()
