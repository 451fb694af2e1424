"""The 39类 necessary personal-information sets (COL-001, CON-003), as data.

Source: 《常见类型移动互联网应用程序必要个人信息范围规定》, 国家互联网信息办公室、工业和信息化部、公安部、
国家市场监督管理总局, 国信办秘字〔2021〕14号, issued 2021-03-12, in force 2021-05-01 (it covers mini
programs: "基于应用软件开放平台接口开发的、用户无需安装即可使用的小程序"). Entries were read in public
reprints of the text (网信中国 / 工信微报 via news sites, found with the `search` tool), not in the
official gazette; only the types whose list could be read there are here. Missing types (婚恋相亲, 房屋租售,
二手车交易, 问诊挂号, 旅游服务, 酒店服务, 网络游戏, 学习教育, 本地生活, 投资理财, 手机银行, 邮箱云盘, 远程会议,
演出票务) are left out rather than guessed: with such a service type COL-001 is not tested.

Each list names the basic function's necessary items in the categories the probes observe (privacy-guide
wording of harness.catalogue and the recognisers' PI_TYPES categories). How the text's items map:
注册用户移动电话号码 / 联系电话 -> 手机号; 姓名(名称) -> 姓名; 地址 -> 地址; 证件类型和号码 -> 身份证号码 (and 护照号码);
银行卡号码 -> 银行卡号; 位置信息 / 行踪轨迹 -> 位置信息; 出发地、到达地 -> 选择的位置. Items no probe observes
(支付信息, 账号, 简历 as a document, 寄递物品) are noted in comments only.
"""

from __future__ import annotations

ID_NUMBER = ("身份证号码", "护照号码")  # 证件类型和号码

NECESSARY_CATEGORIES: dict[str, tuple[str, ...]] = {
    "地图导航": ("位置信息", "选择的位置"),  # 位置信息、出发地、到达地
    "网络约车": ("手机号", "位置信息", "选择的位置"),  # + 支付信息
    "即时通信": ("手机号",),  # + 账号、即时通信联系人账号列表
    "网络社区": ("手机号",),
    "网络支付": ("手机号", "姓名", *ID_NUMBER, "银行卡号"),  # + 证件有效期限
    "网上购物": ("手机号", "姓名", "地址"),  # 收货人姓名(名称)、地址、联系电话; + 支付信息
    "餐饮外卖": ("手机号", "姓名", "地址"),  # as 网上购物: no 位置信息 in the list
    "邮件快件寄递": ("手机号", "姓名", "地址", *ID_NUMBER),  # 寄件人身份信息; + 寄递物品
    "交通票务": ("手机号", "姓名", *ID_NUMBER),  # 旅客姓名、证件类型和号码、旅客类型; + 支付信息
    "求职招聘": ("手机号", "姓名", "邮箱", "地址"),  # 求职者提供的简历 (its contact items)
    "网络借贷": ("手机号", "姓名", *ID_NUMBER, "银行卡号"),  # + 证件有效期限
    "用车服务": ("手机号", *ID_NUMBER, "位置信息"),  # 证件 for shared/rental cars; 位置 for shared bikes
    # 无须个人信息，即可使用基本功能服务 (13 types)
    "女性健康": (),
    "网络直播": (),
    "在线影音": (),
    "短视频": (),
    "新闻资讯": (),
    "运动健身": (),
    "浏览器": (),
    "输入法": (),
    "安全管理": (),
    "电子图书": (),
    "拍摄美化": (),
    "应用商店": (),
    "实用工具": (),
}

# Finer location categories a necessary 位置信息 covers (the same data, coarser or for longer).
LOCATION_FAMILY = ("位置信息", "模糊位置信息", "后台位置信息")


def is_necessary(category: str, necessary: tuple[str, ...]) -> bool:
    """``category`` is in the necessary set (模糊/后台位置信息 count as 位置信息)."""
    if category in LOCATION_FAMILY:
        return "位置信息" in necessary
    return category in necessary
