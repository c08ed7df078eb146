"""The README's pictures of the web page: an archive of the seed and a few articles about the
same story, served by `archive serve`, photographed by headless Chromium (Debian's, driven
by Playwright).

    python scripts/screenshots.py            # writes docs/search.png and docs/article.png
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STORY = {
    "wire.txt": "source: Wire\ndate: 2024-05-17\ntags: OpenAI; AI safety\n\nSuperalignment Team Disbanded at OpenAI\n\n"
                "OpenAI disbanded its superalignment safety team. Sutskever and Leike both left the company.\n\n"
                "The team had been promised a fifth of the company's compute.\n",
    "daily.txt": "source: Daily\ndate: 2024-05-20\ntags: OpenAI\n\nLeike Explains His Exit\n\n"
                 "Jan Leike said safety culture took a back seat to shiny products at OpenAI.\n\n"
                 "Leike wrote that superalignment research struggled for compute in its final months.\n",
    "joins.txt": "source: Wire\ndate: 2024-05-28\ntags: Anthropic\n\nLeike Joins Anthropic\n\n"
                 "Jan Leike joined Anthropic to continue superalignment work.\n",
}  # fmt: skip


def main() -> None:
    from playwright.sync_api import sync_playwright

    out = ROOT / "docs"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "ARCHIVE_SEMANTIC": "off"}
    with tempfile.TemporaryDirectory() as tmp:
        story = Path(tmp) / "story"
        story.mkdir()
        for name, text in STORY.items():
            (story / name).write_text(text, encoding="utf-8")
        index = Path(tmp) / "index"
        archive = [sys.executable, "-m", "archive.cli", "--index", str(index)]
        subprocess.run(archive + ["ingest", str(ROOT / "seeds"), str(story)], env=env, check=True, capture_output=True)
        server = subprocess.Popen(archive + ["serve", "--port", "0"], env=env, stdout=subprocess.PIPE, text=True)
        try:
            url = re.search(r"at (http://\S+/) ", server.stdout.readline()).group(1)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1200, "height": 860})
                page.goto(url + "search?q=superalignment")
                page.screenshot(path=str(out / "search.png"))
                page.goto(url + "a/openai-co-leader-yan-leike-also?q=superalignment#p5")
                page.screenshot(path=str(out / "article.png"))
                browser.close()
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=30)
    print(f"wrote {out / 'search.png'} and {out / 'article.png'}")


if __name__ == "__main__":
    main()
