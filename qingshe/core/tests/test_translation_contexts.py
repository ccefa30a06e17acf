"""Words with two meanings in English get one translation each in Chinese.

Django merges every app's catalogue into one, so a msgid has one translation across the
whole site (LOCALE_PATHS first, then the apps in INSTALLED_APPS order). Where apps meant
different things by the same English word, the first app's reading showed everywhere: a
venue's name was labelled 姓名, the dashboard's "Open" link read 进行中, a care household's
campaign 众筹项目, a beneficiary's age 时长 (care's export checks its own header). Each use now
carries a context."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext, pgettext

from qingshe.accounts.models import Skill, User
from qingshe.care.models import Beneficiary, CampaignHousehold
from qingshe.council.models import Resolution
from qingshe.credit.forms_points import VenueForm
from qingshe.credit.models import Certificate
from qingshe.needs.models import BountyClaim, Need
from qingshe.orgs.models import Post
from qingshe.programmes.models import Pairing


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def test_a_persons_name_and_a_things_name_read_differently():
    assert label(User, "name") == "姓名"
    assert label(Beneficiary, "name_masked") == "姓名"
    assert label(Skill, "name") == "名称"
    assert str(VenueForm.base_fields["name"].label) == "名称"


def test_a_pairings_term_is_not_a_term_of_office():
    assert label(Post, "start_date") == "任期开始"
    assert label(Post, "end_date") == "任期结束"
    assert label(Pairing, "term_start") == "结对期限自"
    assert label(Pairing, "term_end") == "结对期限至"


def test_a_needs_states_read_as_a_needs_and_not_as_an_applications():
    labels = dict(Need.State.choices)
    assert str(labels[Need.State.SUBMITTED]) == "待受理"  # not 已报名, an application's
    assert str(labels[Need.State.REJECTED]) == "不予受理"
    # The badge on the need's pages and the model's label say the same.
    badge = Template('{% load i18n %}{% include "needs/need_state_badge.html" %}')
    for state, text in labels.items():
        assert str(text) in badge.render(Context({"state": state}))


def test_care_bounty_council_and_certificate_words_keep_their_own_meaning():
    assert label(CampaignHousehold, "campaign") == "关爱活动"
    assert pgettext("care", "No such campaign.") == "没有这个关爱活动。"
    assert gettext("No such campaign.") == "没有这个众筹项目。"  # the circle's crowdfunding
    assert label(BountyClaim, "assigned_org") == "实施单位"
    assert str(dict(Resolution.Kind.choices)[Resolution.Kind.DECLINE]) == "不予采纳"
    assert label(Certificate, "statement") == "证明内容"


def test_the_dashboard_link_says_view_not_in_progress():
    html = Template('{% load i18n %}{% translate "Open" context "link" %}').render(Context())
    assert html == "查看"
    assert pgettext("person", "Age") == "年龄"


def test_the_platform_addresses_its_users_formally():
    """One form of address throughout: 您, never 你 (students and elderly residents alike)."""
    from pathlib import Path

    import qingshe

    root = Path(qingshe.__file__).parent
    informal = []
    for po in root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        text = po.read_text(encoding="utf-8")
        informal += [
            f"{po.relative_to(root)}: {line}"
            for line in text.splitlines()
            if line.startswith(("msgstr", '"')) and "你" in line
        ]
    assert informal == []
