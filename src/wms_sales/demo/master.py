"""The master data a newcomer clicks through: a few warehouses, products and customers."""

from __future__ import annotations

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from tqdm import tqdm

from wms_sales.accounts.roles import ROLES
from wms_sales.accounts.services import create_user
from wms_sales.catalog.services import create_product
from wms_sales.customers.services import create_customer, update_customer
from wms_sales.inventory.models import MoveReason
from wms_sales.inventory.services import create_warehouse, lock_levels, post_move

DEMO_PASSWORD = "demo12345"

WAREHOUSES = [("WH-SH", "上海浦东仓", "上海市浦东新区外高桥保税区港澳路 88 号"),
              ("WH-BJ", "北京大兴仓", "北京市大兴区亦庄经济开发区科创十三街 9 号"),
              ("WH-GZ", "广州白云仓", "广州市白云区太和镇龙归物流园 5 栋")]

PRODUCTS = [  # sku, name, unit, list price, quantity precision
    ("BOLT-M8", "不锈钢六角螺栓 M8×40", "盒", "18.50", 0),
    ("NUT-M8", "不锈钢螺母 M8", "盒", "9.80", 0),
    ("DRILL-18V", "锂电冲击钻 18V", "台", "459.00", 0),
    ("GLOVE-L", "丁腈防护手套 L 码", "双", "3.20", 0),
    ("TAPE-48", "封箱胶带 48mm", "卷", "4.50", 0),
    ("CABLE-2.5", "铜芯电线 BV2.5", "米", "2.80", 1),
    ("PAINT-W5", "白色乳胶漆 5L", "桶", "168.00", 0),
    ("PIPE-PVC20", "PVC 给水管 DN20", "米", "6.40", 1),
    ("LED-9W", "LED 球泡灯 9W", "个", "7.90", 0),
    ("SWITCH-86", "86 型单开面板开关", "个", "12.00", 0),
    ("WRENCH-SET", "套筒扳手套装 46 件", "套", "129.00", 0),
    ("LADDER-6", "铝合金人字梯 6 步", "把", "289.00", 0),
    ("HELMET-Y", "ABS 安全帽 黄色", "顶", "25.00", 0),
    ("SILICONE", "中性硅酮密封胶", "支", "15.60", 0),
    ("CEMENT-50", "普通硅酸盐水泥 50kg", "袋", "32.00", 0),
    ("SCREW-4x30", "十字沉头自攻螺丝 4×30", "千克", "26.00", 2),
]

CUSTOMERS = [  # name, contact, phone, city, address, credit limit
    ("杭州西湖五金贸易有限公司", "王伟", "0571-8765 4321", "杭州市", "西湖区文三路 478 号",
     "200000"),
    ("苏州工业园区恒达建材", "李娜", "0512-6288 1188", "苏州市", "工业园区星湖街 328 号", "150000"),
    ("南京鼓楼明辉装饰工程", "张敏", "025-8331 0099", "南京市", "鼓楼区中山北路 101 号", "80000"),
    ("宁波北仑港华机电", "刘洋", "0574-8688 2211", "宁波市", "北仑区新碶街道明州路 66 号",
     "300000"),
    ("上海闵行顺达物业管理", "陈静", "021-6430 5566", "上海市", "闵行区莘庄镇沪闵路 7388 号", None),
    ("无锡新吴精工设备", "杨磊", "0510-8522 3344", "无锡市", "新吴区长江路 21 号", "120000"),
    ("合肥蜀山宏图建筑", "赵强", "0551-6512 7788", "合肥市", "蜀山区望江西路 520 号", "60000"),
    ("常州武进利民五金店", "黄丽", "0519-8631 4455", "常州市", "武进区湖塘镇花园街 12 号", "30000"),
    ("绍兴柯桥纺城装修队", "周杰", "0575-8412 6677", "绍兴市", "柯桥区笛扬路 1188 号", "20000"),
    ("嘉兴南湖安居家装", "吴芳", "0573-8203 9900", "嘉兴市", "南湖区中山东路 1299 号", "50000"),
    ("Shanghai Pudong Facility Services", "Mark Chen", "021-5033 1200", "上海市",
     "浦东新区张江路 665 号", "100000"),
    ("温州鹿城永固门窗", "郑浩", "0577-8825 3311", "温州市", "鹿城区车站大道 577 号", "40000"),
]




def load_master_data(rng: random.Random, progress: bool) -> dict:
    """Users per role, warehouses, products with opening stock and customers."""
    steps = len(ROLES) + len(WAREHOUSES) + len(PRODUCTS) * 2 + len(CUSTOMERS)
    with tqdm(total=steps, desc="demo data", disable=not progress or None) as bar, \
            transaction.atomic():
        users = _users(bar)
        admin = users["admin"]
        warehouses = []
        for code, name, address in WAREHOUSES:
            warehouses.append(create_warehouse(actor=admin, code=code, name=name,
                                               address=address, is_default=code == "WH-SH"))
            bar.update()
        products = []
        for sku, name, unit, price, precision in PRODUCTS:
            products.append(create_product(actor=admin, sku=sku, name=name, unit=unit,
                                           list_price=Decimal(price),
                                           quantity_precision=precision))
            bar.update()
        for product in products:
            levels = lock_levels([(product.pk, w.pk) for w in warehouses])
            for level in levels.values():
                post_move(level=level, quantity=Decimal(rng.randrange(50, 2000, 10)),
                          reason=MoveReason.OPENING, actor=admin, note="demo opening stock")
            bar.update()
        for name, contact, phone, city, line, limit in CUSTOMERS:
            customer = create_customer(
                actor=users["sales"], name=name, contact_person=contact, phone=phone,
                payment_terms_days=rng.choice([0, 15, 30, 45, 60]),
                addresses=[{"recipient": contact, "phone": phone, "city": city,
                            "line": line, "label": "收货地址"}])
            if limit:  # sales enters the customer, finance grants the credit
                update_customer(actor=users["finance"], customer_id=customer.pk,
                                credit_limit=Decimal(limit))
            bar.update()
    return users


def _users(bar) -> dict:
    User = get_user_model()
    users = {}
    for role in ROLES:
        users[role] = (User.objects.filter(username=role).first()
                       or create_user(username=role, role=role, password=DEMO_PASSWORD))
        bar.update()
    return users
