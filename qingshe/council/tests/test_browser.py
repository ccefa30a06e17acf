"""The whole loop on a phone: a month's collected problems appear on the list, the council
meeting resolves them, a team solves one, the panel verifies it, a resident rates it by link
without an account, and the public board counts it as solved only after verification.
Screenshots go to test-artifacts/."""

from typing import Any

import pytest
from django.db import transaction

from qingshe.accounts.tests.factories import PASSWORD
from qingshe.core.models import Notification
from qingshe.council.models import MonthlyList
from qingshe.council.tests.conftest import need_at
from qingshe.needs import services as need_services
from qingshe.needs.models import Need
from qingshe.needs.tests.needs_support import start_work
from qingshe.orgs.models import OrgKind
from qingshe.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


def test_council_loop_on_a_phone(
    transactional_db: Any, council: Any, browser: Any, live_server: Any, screenshot_dir: Any
) -> None:
    c = council
    team = OrganisationFactory(
        kind=OrgKind.VOLUNTEER_TEAM, name="白沙青年志愿服务队", parent=c.community
    )
    lamp = need_at(c, "3号楼楼道灯不亮", address="3号楼")
    need_at(c, "小区停车难<script>alert(1)</script>", actor=c.resident2, address="南门")
    contexts = []

    def as_user(user: Any = None) -> Any:
        context = browser.new_context(
            locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 844}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda d: (_ for _ in ()).throw(AssertionError("a script ran")))
        if user is not None:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", user.phone)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
        return page

    def shot(page: Any, name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, name
        page.screenshot(path=str(screenshot_dir / f"phone-council-{name}.png"), full_page=True)

    try:
        # The council secretary draws this month's list and sends it to the council.
        sec = as_user(c.council_secretary)
        sec.goto(f"{live_server.url}/council/c/{c.community.pk}/")
        sec.get_by_role("button", name="生成月清单").click()
        sec.wait_for_selector("text=3号楼楼道灯不亮")
        assert sec.locator("text=小区停车难<script>alert(1)</script>").count() == 1  # shown escaped
        shot(sec, "1-list")
        sec.get_by_role("button", name="提交青年议事会").click()
        sec.wait_for_selector("text=清单已提交青年议事会。")
        mlist = MonthlyList.objects.get()
        assert mlist.state == MonthlyList.State.FINAL

        # A council member calls the meeting, assigns the lamp to the team, closes with minutes.
        member = as_user(c.member)
        member.goto(f"{live_server.url}/council/lists/{mlist.pk}/")
        member.fill("#m-title", "十一月青春议事厅")
        member.get_by_role("button", name="召开议事会").click()
        member.wait_for_selector("text=议程与决议")
        item = mlist.items.get(need=lamp)
        form = member.locator(f"#item-{item.pk} form")
        form.locator("select[name=kind]").select_option("assign")
        form.locator("select[name=assignee]").select_option(f"team:{team.pk}")
        form.locator("input[name=reason]").fill("交志愿服务队本周内修复")
        form.get_by_role("button", name="记录决议").click()
        member.wait_for_selector(f"#item-{item.pk} >> text=交办")
        member.fill("#minutes", "审议月清单两项，楼道灯交志愿服务队办理。")
        member.get_by_label(c.member.name).check()
        member.get_by_label(c.member2.name).check()
        member.get_by_role("button", name="结束会议").click()
        member.wait_for_selector("text=会议已结束。")
        shot(member, "2-meeting")
        lamp.refresh_from_db()
        assert lamp.state == Need.State.ACCEPTED

        # The team does the work and reports it done (the needs app's own steps).
        start_work(lamp, c.student, c.staff)
        with transaction.atomic():
            need_services.need_report_done(actor=c.student, need=lamp, note="已更换3号楼楼道灯。")
        public = as_user()
        public.goto(f"{live_server.url}/council/c/{c.community.pk}/public/")
        assert (
            public.locator(".council-figures strong").nth(1).inner_text() == "0"
        )  # not verified yet
        assert c.resident.name not in public.content()

        # The evaluation panel verifies with evidence.
        panel = as_user(c.panel)
        panel.goto(f"{live_server.url}/council/")
        panel.get_by_role("link", name="3号楼楼道灯不亮").click()
        panel.fill("#evidence", "评议团晚上到3号楼查看，灯已亮；电话回访报事居民。")
        panel.get_by_role("button", name="核实：已解决").click()
        panel.wait_for_selector("text=谢谢，已记录。")

        # The resident rates it by the link in the notification, without an account.
        url = Notification.objects.get(user=c.resident, kind="council.rate").url
        rate = as_user()
        rate.goto(f"{live_server.url}{url}")
        rate.wait_for_selector("text=问题解决了吗？")
        shot(rate, "3-rate")
        rate.get_by_label("已解决").check()
        rate.get_by_label("5★").check()
        rate.get_by_role("button", name="提交评价").click()
        rate.wait_for_selector("text=谢谢！您的评价已经记录。")

        public.goto(f"{live_server.url}/council/c/{c.community.pk}/public/")
        assert public.locator(".council-figures strong").nth(1).inner_text() == "1"
        public.wait_for_selector("text=评议团晚上到3号楼查看")
        shot(public, "4-public")
    finally:
        for context in contexts:
            context.close()
