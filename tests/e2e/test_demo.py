"""``mestring demo`` as a newcomer meets it: the banner's addresses work, staff read the outbox
with every personal link hidden, and the job seekers' demo mailbox leads into the form."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from playwright.async_api import expect

from survey_app.mail.outbox import free_port
from tests.conftest import chromium_or_skip
from tests.e2e.conftest import REPO_ROOT, new_context, staff_login

pytestmark = pytest.mark.browser

DEMO_SPECIALIST = "kari.nordmann@demo.mestring.no"
DEMO_PASSWORD = "demo-passord"


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESTRING_")}
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "mestring_cli", "demo", "--home", str(tmp_path), "--port", str(port)],
        cwd=REPO_ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp_path / "demo.log").read_text(errors="replace"))
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200 and "/demo/inbox" in (
                tmp_path / "demo.log"
            ).read_text(errors="replace"):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("mestring demo did not start: " + (tmp_path / "demo.log").read_text(errors="replace"))
    try:
        yield base, tmp_path / "demo.log"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


async def test_the_demo_banner_leads_staff_and_job_seekers_where_it_says(demo, browser):
    chromium_or_skip()
    base, log = demo
    banner = log.read_text(errors="replace")
    assert f"{base}/login" in banner and f"{base}/demo/inbox" in banner and DEMO_PASSWORD in banner

    async with new_context(browser, base) as context:
        staff = await context.new_page()
        await staff_login(staff, DEMO_SPECIALIST, DEMO_PASSWORD)
        await staff.goto("/outbox")
        first = staff.locator("table a").first
        await first.click()
        await expect(staff.locator(".mail-body")).to_contain_text("/a/\u2022\u2022\u2022\u2022\u2022\u2022")
        assert not re.search(r"/a/[A-Za-z0-9_-]{20,}", await staff.locator(".mail-body").inner_text())

    async with new_context(browser, base, width=360, height=740) as context:
        job_seeker = await context.new_page()
        await job_seeker.goto("/demo/inbox")
        await job_seeker.locator("table a").first.click()
        link = job_seeker.locator(".mail-body a[href*='/a/']").first
        await link.click()
        await expect(job_seeker).to_have_url(re.compile(r"/a/[A-Za-z0-9_-]{20,}"))
        await expect(job_seeker.locator("h1")).to_be_visible()
        await job_seeker.screenshot(path=str(log.parent / "demo-job-seeker-360.png"), full_page=True)
