# ruff: noqa: E501 (the texts are pinned whole, as a person reads them)
"""Next step and reply for every case (devices/presenters/advice.py), pinned word for word.

Each scenario is one case of the table: its verdict, the cases that apply, the agent's next
steps (English page) and the reply in English and in Chinese, the Chinese whatever the page's
language.
"""

import pytest
from django.utils import translation

from devices.presenters.advice import CASES, advice, facts_of
from devices.presenters.device import verdict
from devices.presenters.plans import DataBundle
from devices.presenters.sim_data import DataReading
from tests.presenters.builders import DAY, HOUR, NOW, T, device, report, sim, storage

GUEST = "-9223372001122334455"
USED_UP = DataReading(bundle=DataBundle(total=5120, used=5120, left=0))

# case key -> (report, data reading, asked owner)
SCENARIOS = {
    "offline": (
        report(
            dev=device(online=0, online_update_time=T - 5 * HOUR, signal=35), storage_plan=storage()
        ),
        None,
        "",
    ),
    "offline_battery": (
        report(
            dev=device(online=0, online_update_time=T - 3 * DAY, battery=4, power_mode=1),
            storage_plan=storage(),
        ),
        None,
        "",
    ),
    "offline_signal": (
        report(
            dev=device(online=0, online_update_time=T - 2 * DAY, signal=12, rssi=-99),
            storage_plan=storage(),
        ),
        None,
        "",
    ),
    "asleep": (
        report(
            dev=device(online=2, online_update_time=T - 20 * 60, battery=64, power_mode=1),
            storage_plan=storage(),
        ),
        None,
        "",
    ),
    "battery_low": (report(dev=device(battery=9, power_mode=1), storage_plan=storage()), None, ""),
    "weak_signal": (report(dev=device(signal=20, rssi=-97), storage_plan=storage()), None, ""),
    "sim_never_activated": (
        report(
            dev=device(online=0, online_update_time=T - 2 * DAY, signal=0),
            sim_plan=sim(active_region="", iccids=()),
        ),
        None,
        "",
    ),
    "sim_expired": (
        report(
            dev=device(online=0, online_update_time=T - 20 * DAY),
            sim_plan=sim(srv_status=0, end_time=T - 20 * DAY),
        ),
        None,
        "",
    ),
    "sim_expiring": (report(sim_plan=sim(end_time=T + 5 * DAY), storage_plan=storage()), None, ""),
    "data_used_up": (
        report(
            dev=device(online=0, online_update_time=T - 2 * HOUR),
            sim_plan=sim(end_time=T + 18 * DAY),
        ),
        USED_UP,
        "",
    ),
    "storage_expired": (report(storage_plan=storage(srv_status=5, end_time=T - 5 * DAY)), None, ""),
    "storage_expiring": (report(storage_plan=storage(end_time=T + 3 * DAY)), None, ""),
    "storage_never_bought": (report(), None, ""),
    "unbound": (
        report(dev=device(owner_id="0", online=0, online_update_time=T - 2 * DAY, bind_time=0)),
        None,
        "",
    ),
    "guest": (report(storage_plan=storage()), None, GUEST),
    "all_fine": (report(storage_plan=storage()), None, ""),
}


PINNED = {
    "offline": {
        "cases": ["offline"],
        "verdict": "Offline for 5 hours",
        "tone": "bad",
        "steps": [
            "Offline for 5 hours; at its last report: signal 35/100. The customer checks its power and its network (WiFi router or mobile signal) where it is, then restarts it."
        ],
        "en": "Your camera has been offline for 5 hours. Please check that it has power and that its network (WiFi router or mobile signal) works where it is installed, then restart it.",
        "zh": "您的摄像机已离线 5 小时。请检查摄像机是否通电，以及安装位置的网络（WiFi 路由器或移动信号）是否正常，然后重启摄像机。",
    },
    "offline_battery": {
        "cases": ["offline", "offline_battery"],
        "verdict": "Offline for 3 days",
        "tone": "bad",
        "steps": [
            "Offline for 3 days; at its last report: battery 4%, signal 80/100. The customer checks its power and its network (WiFi router or mobile signal) where it is, then restarts it.",
            "Its battery was at 4% at its last report: it has likely run flat.",
        ],
        "en": "Your camera has been offline for 3 days. Please check that it has power and that its network (WiFi router or mobile signal) works where it is installed, then restart it. Its battery was low (4%) at its last report: please charge it first.",
        "zh": "您的摄像机已离线 3 天。请检查摄像机是否通电，以及安装位置的网络（WiFi 路由器或移动信号）是否正常，然后重启摄像机。最后一次上报时电量较低（4%），请先为其充电。",
    },
    "offline_signal": {
        "cases": ["offline", "offline_signal"],
        "verdict": "Offline for 2 days",
        "tone": "bad",
        "steps": [
            "Offline for 2 days; at its last report: weak signal. The customer checks its power and its network (WiFi router or mobile signal) where it is, then restarts it.",
            "Its signal was weak at its last report: the camera may be too far from the network.",
        ],
        "en": "Your camera has been offline for 2 days. Please check that it has power and that its network (WiFi router or mobile signal) works where it is installed, then restart it. Its signal was weak at its last report: moving the camera closer to the router (or to a place with better mobile coverage) may help.",
        "zh": "您的摄像机已离线 2 天。请检查摄像机是否通电，以及安装位置的网络（WiFi 路由器或移动信号）是否正常，然后重启摄像机。最后一次上报时信号较弱：将摄像机移近路由器（或移到移动信号更好的地方）可能会有帮助。",
    },
    "asleep": {
        "cases": ["asleep"],
        "verdict": "Asleep (a low-power camera resting between events); running on battery at 64%",
        "tone": "ok",
        "steps": [
            "Asleep: a low-power camera resting between events, which is normal. It wakes on motion or when opened in the app."
        ],
        "en": "Your camera is in low-power sleep, which is normal for a battery camera: it wakes up when it detects motion or when you open it in the app.",
        "zh": "您的摄像机处于低功耗休眠状态，这对电池摄像机来说是正常的：检测到移动或您在 App 中打开它时会自动唤醒。",
    },
    "battery_low": {
        "cases": ["battery_low"],
        "verdict": "Online; running on battery at 9%",
        "tone": "warn",
        "steps": ["Battery at 9%: the customer charges it soon."],
        "en": "Your camera's battery is low (9%). Please charge it soon so that it keeps recording.",
        "zh": "您摄像机的电量较低（9%）。请尽快充电，以便继续录像。",
    },
    "weak_signal": {
        "cases": ["weak_signal"],
        "verdict": "Online; weak signal",
        "tone": "warn",
        "steps": [
            "Weak signal: the customer moves the camera closer to the router, or to better mobile coverage."
        ],
        "en": "Your camera's signal is weak where it is installed, which can make it drop offline or lag. Moving it closer to the router (or to a place with better mobile coverage) should help.",
        "zh": "您的摄像机安装位置信号较弱，可能导致掉线或卡顿。将它移近路由器（或移到移动信号更好的地方）应该会有帮助。",
    },
    "sim_never_activated": {
        "cases": ["sim_never_activated"],
        "verdict": "Offline for 2 days; SIM never activated",
        "tone": "bad",
        "steps": [
            "The SIM was never activated: the customer completes the SIM's activation (real-name registration), then restarts the camera."
        ],
        "en": "Your camera's SIM card has not been activated yet, so the camera cannot connect. Please complete the SIM card's activation (real-name registration), then restart the camera.",
        "zh": "您摄像机的 SIM 卡尚未激活，因此摄像机无法联网。请完成 SIM 卡激活（实名认证），然后重启摄像机。",
    },
    "sim_expired": {
        "cases": ["sim_expired"],
        "verdict": "Offline for 20 days; its 4G data plan expired 20 days ago",
        "tone": "bad",
        "steps": [
            "The 4G data plan expired 20 days ago: the customer renews it in the app; the camera reconnects a few minutes after."
        ],
        "en": "Your camera's 4G data plan expired 20 days ago, so it can no longer go online. Please renew the data plan in the app; the camera will reconnect a few minutes later.",
        "zh": "您摄像机的 4G 流量套餐已于 20 天前到期，因此无法联网。请在 App 中续费流量套餐，摄像机会在几分钟后重新联网。",
    },
    "sim_expiring": {
        "cases": ["sim_expiring"],
        "verdict": "Online; its 4G data plan expires in 5 days",
        "tone": "warn",
        "steps": ["The 4G data plan expires in 5 days: suggest renewing it now."],
        "en": "Your camera's 4G data plan expires in 5 days. Please renew it in the app to avoid an interruption.",
        "zh": "您摄像机的 4G 流量套餐将于 5 天后到期。请在 App 中续费，以免服务中断。",
    },
    "data_used_up": {
        "cases": ["data_used_up"],
        "verdict": "Offline for 2 hours; 4G data used up: 5,120 of 5,120 MB",
        "tone": "bad",
        "steps": [
            "The data bundle is used up (5,120 of 5,120 MB): the customer buys a data top-up in the app, or waits for the next period."
        ],
        "en": "Your camera has used all of its 4G data for this period (5,120 of 5,120 MB), so it cannot upload video. Please buy a data top-up in the app; the camera will reconnect shortly after.",
        "zh": "您的摄像机本期 4G 流量已用完（已用 5,120 / 共 5,120 MB），因此无法上传视频。请在 App 中购买流量加油包，摄像机随后会很快重新联网。",
    },
    "storage_expired": {
        "cases": ["storage_expired"],
        "verdict": "Online; its cloud storage expired 5 days ago",
        "tone": "bad",
        "steps": [
            "Cloud storage expired 5 days ago: no new recordings are kept in the cloud until the customer renews it."
        ],
        "en": "Your cloud storage plan expired 5 days ago, so new recordings are no longer saved to the cloud. You can renew it in the app.",
        "zh": "您的云存储套餐已于 5 天前到期，新的录像不再保存到云端。您可以在 App 中续费。",
    },
    "storage_expiring": {
        "cases": ["storage_expiring"],
        "verdict": "Online; its cloud storage expires in 3 days",
        "tone": "warn",
        "steps": ["Cloud storage expires in 3 days: suggest renewing it."],
        "en": "Your cloud storage plan expires in 3 days. Please renew it in the app to keep your recordings.",
        "zh": "您的云存储套餐将于 3 天后到期。请在 App 中续费，以保留您的录像。",
    },
    "storage_never_bought": {
        "cases": ["storage_never_bought"],
        "verdict": "Online; nothing looks wrong",
        "tone": "ok",
        "steps": [
            "Nothing looks wrong, and it has no cloud storage plan: recordings are only on the camera's memory card, if it has one."
        ],
        "en": "We checked your camera: it is working. It has no cloud storage plan, so recordings are only saved on its memory card (if one is inserted). You can buy a cloud storage plan in the app.",
        "zh": "我们检查了您的摄像机：运行正常。它没有云存储套餐，因此录像只保存在存储卡上（如果插了卡）。您可以在 App 中购买云存储套餐。",
    },
    "unbound": {
        "cases": ["unbound"],
        "verdict": "Not bound to any account; offline for 2 days",
        "tone": "bad",
        "steps": [
            "Not bound to any account: the customer adds it again in the app (reset the camera, then scan its QR code)."
        ],
        "en": "Your camera is not linked to any account at the moment. Please reset it and add it again in the app by scanning its QR code.",
        "zh": "您的摄像机目前未绑定任何账号。请先重置摄像机，然后在 App 中扫描其二维码重新添加。",
    },
    "guest": {
        "cases": ["guest"],
        "verdict": "Online; nothing looks wrong",
        "tone": "ok",
        "steps": [
            "The customer (-9223372001122334455) is a guest on this camera, not its owner (-9223371981234556044): plans and settings are the owner's to change."
        ],
        "en": "This camera was shared with you by its owner. Plans and settings can only be changed from the owner's account: please ask them.",
        "zh": "这台摄像机是其所有者分享给您的。套餐和设置只能在所有者的账号中更改，请联系所有者。",
    },
    "all_fine": {
        "cases": ["all_fine"],
        "verdict": "Online; nothing looks wrong",
        "tone": "ok",
        "steps": [
            "Nothing looks wrong: ask what exactly the customer sees (which screen, which message) and when."
        ],
        "en": "We checked your camera: it is online and its services are active. Could you tell us exactly what you see in the app (a screenshot helps) and when it happened?",
        "zh": "我们检查了您的摄像机：它在线，各项服务均正常。能否告诉我们您在 App 中具体看到了什么（附截图更好）以及发生的时间？",
    },
}


def advice_of(key: str):
    report, data, asked = SCENARIOS[key]
    return advice(facts_of(report, data, NOW, asked_owner=asked)), verdict(report, NOW, data=data)


def test_every_case_of_the_table_has_a_pinned_scenario():
    assert {case.key for case in CASES} == set(SCENARIOS) == set(PINNED)


@pytest.mark.parametrize("key", sorted(PINNED))
def test_each_case_gives_its_verdict_next_step_and_reply(key):
    pinned = PINNED[key]
    result, summary = advice_of(key)
    assert (summary.text, summary.tone) == (pinned["verdict"], pinned["tone"])
    assert result.cases == pinned["cases"]
    assert result.next_steps == pinned["steps"]
    replies = {reply.language: reply.text for reply in result.replies}
    assert replies == {"en": pinned["en"], "zh-hans": pinned["zh"]}


@pytest.mark.parametrize("key", sorted(PINNED))
def test_the_reply_is_in_both_languages_whatever_the_pages_language(key):
    with translation.override("zh-hans"):
        result, _summary = advice_of(key)
    replies = {reply.language: reply.text for reply in result.replies}
    assert replies == {"en": PINNED[key]["en"], "zh-hans": PINNED[key]["zh"]}
    assert all(step and step not in PINNED[key]["steps"] for step in result.next_steps)


def test_a_sim_that_explains_the_outage_replaces_the_generic_offline_advice():
    for key in ("sim_never_activated", "sim_expired", "data_used_up"):
        assert "offline" not in advice_of(key)[0].cases


def test_all_fine_applies_only_alone():
    for key, pinned in PINNED.items():
        if len(pinned["cases"]) > 1:
            assert not {"all_fine", "storage_never_bought"} & set(pinned["cases"]), key
