"""The demo city's logins: one per role, one shared password. Tests and the README read this."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "qingshe2026"  # noqa: S105 - a published demo password, printed by the command


@dataclass(frozen=True)
class DemoLogin:
    username: str
    label: str  # the role in Chinese, as printed
    name: str  # the person's (fictional) name
    role: str  # orgs.models.Role value, or "" for the platform administrator
    where: str  # where the person belongs, described for the printed table
    sex: str = ""


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("admin", "平台管理员", "林海峰", "", "平台超级管理员（可进入管理后台）", "M"),
    DemoLogin("league_admin", "团市委管理员", "陈志远", "league_admin", "共青团青州市委员会", "M"),
    DemoLogin(
        "district_admin", "团区委管理员", "黄丽娟", "league_admin", "共青团青州市东湖区委员会", "F"
    ),
    DemoLogin(
        "university_admin",
        "高校团委管理员",
        "郑晓东",
        "university_admin",
        "共青团青州大学委员会",
        "M",
    ),
    DemoLogin(
        "department_admin",
        "院系团委管理员",
        "吴静",
        "department_admin",
        "共青团青州大学经济管理学院委员会",
        "F",
    ),
    DemoLogin(
        "branch_secretary",
        "团支部书记",
        "李思琪",
        "branch_secretary",
        "第一个班级团支部（兼任结对社区居委会主任助理）",
        "F",
    ),
    DemoLogin(
        "student", "大学生志愿者", "王浩然", "student", "同一团支部的团员（兼任网格小组长）", "M"
    ),
    DemoLogin(
        "community_staff", "社区工作者", "刘海燕", "community_staff", "与该团支部结对的社区", "F"
    ),
    DemoLogin(
        "community_secretary", "社区团支部书记", "张明辉", "community_secretary", "同一社区", "M"
    ),
    DemoLogin("resident", "居民", "赵秀英", "resident", "同一社区", "F"),
    DemoLogin(
        "partner_contact",
        "公益伙伴联系人",
        "周建华",
        "partner_contact",
        "该社区所在区的一家公益伙伴单位",
        "M",
    ),
    DemoLogin(
        "council_member", "青年议事会成员", "孙雨桐", "council_member", "同一社区的青年议事会", "F"
    ),
    DemoLogin(
        "panel_member", "青年评议团成员", "马国强", "panel_member", "同一社区的青年评议团", "M"
    ),
    DemoLogin("instructor", "项目指导老师", "徐丽", "instructor", "该团支部所在院系团委", "F"),
]
DEMO_USERNAMES = [login.username for login in DEMO_LOGINS]
