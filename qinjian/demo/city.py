"""The shape of the fictional demo city 示范市 (陕西省): regions, units, departments.

Pure data plus a few naming helpers; :mod:`qinjian.demo.plan` turns it into rows. ``weight`` is the
relative head count of a unit (the plan scales all weights to the requested number of people).
"""

from __future__ import annotations

from dataclasses import dataclass

from qinjian.org.choices import AdminLevel, UnitType

CITY = "示范市"
PROVINCE_CODE, PROVINCE_NAME = "610000", "陕西省"
CITY_REGION = "619900"  # fictional: 6199xx is unused by the real 陕西 division codes
ROOT_CODE = "SFS"

PARTY, CIVIL, INST, MASS, PROVIDER = (UnitType.PARTY_GOV, UnitType.INSTITUTION_CIVIL, UnitType.INSTITUTION,
                                      UnitType.MASS_ORG, UnitType.PROVIDER)

# Default internal departments of a municipal organ; business departments are added per unit.
BASE_DEPTS = ("办公室", "人事科", "财务科", "政策法规科")
SMALL_BASE_DEPTS = ("办公室", "综合科")


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    short_name: str
    unit_type: str
    weight: int
    head: tuple[str, str] = ("局长", "副局长")  # titles of the head and the deputies
    departments: tuple[str, ...] = ()           # business departments (after the base ones)
    base: tuple[str, ...] | None = None         # None: BASE_DEPTS, or SMALL_BASE_DEPTS for small units
    parent: str = ROOT_CODE
    kind: str = "organ"                         # organ | school | hospital | cdc | service | provider
    head_rank: str = ""                         # override of the head's rank (e.g. 市委常委 → 市级副职)
    over_quota: bool = False                    # a few units carry more people than their quota
    level: str = AdminLevel.CITY
    region: str = CITY_REGION


def _m(code: str, name: str, short: str, unit_type: str, weight: int, **kw: object) -> UnitSpec:
    return UnitSpec(code=f"{ROOT_CODE}-{code}", name=name, short_name=short, unit_type=unit_type, weight=weight,
                    **kw)  # type: ignore[arg-type]


ROOT = UnitSpec(code=ROOT_CODE, name="示范市人民政府", short_name="市政府", unit_type=PARTY, weight=6,
                head=("市长", "副市长"), base=(), parent="", kind="government")

MUNICIPAL: tuple[UnitSpec, ...] = (
    _m("SWB", "中共示范市委办公室", "市委办", PARTY, 40, head=("主任", "副主任"), head_rank="C-2",
       departments=("秘书科", "综合调研科", "督查室", "机要保密科", "信息科")),
    _m("ZZB", "中共示范市委组织部", "市委组织部", PARTY, 42, head=("部长", "副部长"), head_rank="C-2",
       departments=("组织科", "干部一科", "干部二科", "干部监督科", "公务员管理科", "人才工作科")),
    _m("XCB", "中共示范市委宣传部", "市委宣传部", PARTY, 30, head=("部长", "副部长"), head_rank="C-2",
       departments=("理论科", "新闻科", "文明创建科", "网络宣传科")),
    _m("TZB", "中共示范市委统战部", "市委统战部", PARTY, 26, head=("部长", "副部长"), head_rank="C-2",
       departments=("党派工作科", "民族宗教科", "经济联络科")),
    _m("ZFW", "中共示范市委政法委员会", "市委政法委", PARTY, 24, head=("书记", "副书记"), head_rank="C-2",
       departments=("执法监督科", "维稳指导科", "基层治理科")),
    _m("JWJW", "中共示范市纪律检查委员会", "市纪委监委", PARTY, 70, head=("书记", "副书记"), head_rank="C-2",
       departments=("党风政风监督室", "信访室", "案件监督管理室", "第一纪检监察室", "第二纪检监察室",
                    "第三纪检监察室", "案件审理室")),
    _m("RD", "示范市人大常委会办公室", "市人大办", PARTY, 36, head=("主任", "副主任"),
       departments=("法制工作室", "财政经济工作室", "代表联络室")),
    _m("ZX", "政协示范市委员会办公室", "市政协办", PARTY, 30, head=("主任", "副主任"),
       departments=("提案委员会办公室", "文史资料委员会办公室", "委员联络室")),
    _m("ZFB", "示范市人民政府办公室", "市政府办", PARTY, 48, head=("主任", "副主任"), over_quota=True,
       departments=("秘书一科", "秘书二科", "督查科", "政务公开科", "应急值守科")),
    _m("FGW", "示范市发展和改革委员会", "市发改委", PARTY, 45, head=("主任", "副主任"),
       departments=("发展规划科", "固定资产投资科", "价格管理科", "能源科", "重点项目办")),
    _m("JYJ", "示范市教育局", "市教育局", PARTY, 40,
       departments=("基础教育科", "职业与成人教育科", "教师工作科", "学生资助管理科", "体育卫生与艺术教育科")),
    _m("KJJ", "示范市科学技术局", "市科技局", PARTY, 20, departments=("科技计划科", "成果转化科")),
    _m("GXJ", "示范市工业和信息化局", "市工信局", PARTY, 30,
       departments=("产业发展科", "中小企业科", "信息化推进科", "节能与综合利用科")),
    _m("GAJ", "示范市公安局", "市公安局", PARTY, 130, over_quota=True, kind="police",
       departments=("指挥中心", "治安管理支队", "刑事侦查支队", "交通警察支队", "出入境管理支队", "网络安全保卫支队",
                    "警务保障处")),
    _m("MZJ", "示范市民政局", "市民政局", PARTY, 26, departments=("社会救助科", "养老服务科", "区划地名科")),
    _m("SFJ", "示范市司法局", "市司法局", PARTY, 28, departments=("立法科", "行政执法协调监督科", "公共法律服务科")),
    _m("CZJ", "示范市财政局", "市财政局", PARTY, 50,
       departments=("预算科", "国库科", "行政政法科", "教科文科", "经济建设科", "政府采购监督管理科", "资产管理科")),
    _m("RSJ", "示范市人力资源和社会保障局", "市人社局", PARTY, 40,
       departments=("就业促进科", "社会保险科", "工资福利科", "劳动关系科", "事业单位人事管理科")),
    _m("ZRZY", "示范市自然资源和规划局", "市自然资源和规划局", PARTY, 50,
       departments=("国土空间规划科", "耕地保护科", "不动产登记科", "地质矿产科", "测绘地理信息科")),
    _m("STHJ", "示范市生态环境局", "市生态环境局", PARTY, 35,
       departments=("大气环境科", "水生态环境科", "土壤生态环境科", "环境执法支队")),
    _m("ZJJ", "示范市住房和城乡建设局", "市住建局", PARTY, 38,
       departments=("建筑市场科", "房地产市场科", "城市建设科", "住房保障科")),
    _m("JTJ", "示范市交通运输局", "市交通运输局", PARTY, 34, departments=("综合规划科", "公路科", "运输科", "安全监督科")),
    _m("SWJ", "示范市水务局", "市水务局", PARTY, 26, departments=("水资源科", "河湖管理科", "水利工程建设科")),
    _m("NYJ", "示范市农业农村局", "市农业农村局", PARTY, 36,
       departments=("乡村振兴科", "种植业管理科", "畜牧兽医科", "农田建设管理科")),
    _m("SWUJ", "示范市商务局", "市商务局", PARTY, 24, departments=("对外贸易科", "市场运行科", "外资科")),
    _m("WLJ", "示范市文化和旅游局", "市文旅局", PARTY, 26, departments=("艺术科", "文物科", "旅游市场管理科")),
    _m("WJW", "示范市卫生健康委员会", "市卫健委", PARTY, 38, head=("主任", "副主任"), over_quota=True,
       departments=("医政医管科", "疾病预防控制科", "基层卫生健康科", "妇幼健康科", "中医药管理科")),
    _m("TYJR", "示范市退役军人事务局", "市退役军人事务局", PARTY, 18, departments=("移交安置科", "褒扬纪念科")),
    _m("YJJ", "示范市应急管理局", "市应急管理局", PARTY, 26, departments=("风险监测和综合减灾科", "安全生产基础科", "应急指挥中心")),
    _m("SJJ", "示范市审计局", "市审计局", PARTY, 28, departments=("财政审计科", "经济责任审计科", "企业审计科", "法规审理科")),
    _m("GZW", "示范市人民政府国有资产监督管理委员会", "市国资委", PARTY, 22, head=("主任", "副主任"),
       departments=("产权管理科", "企业改革科", "考核分配科")),
    _m("SCJG", "示范市市场监督管理局", "市市场监管局", PARTY, 60,
       departments=("登记注册科", "食品安全协调科", "药品化妆品监督管理科", "特种设备安全监察科", "计量标准科", "执法稽查支队")),
    _m("TJJ", "示范市统计局", "市统计局", PARTY, 22, departments=("综合统计科", "国民经济核算科", "统计执法监督科")),
    _m("YBJ", "示范市医疗保障局", "市医保局", PARTY, 20, departments=("待遇保障科", "医药价格和招标采购科", "基金监管科")),
    _m("LYJ", "示范市林业局", "市林业局", PARTY, 22, departments=("生态修复科", "森林资源管理科", "自然保护地管理科")),
    _m("XFJ", "示范市信访局", "市信访局", PARTY, 16, departments=("来访接待科", "网上信访科", "督查督办科")),
    _m("FY", "示范市中级人民法院", "市中院", PARTY, 90, head=("院长", "副院长"), kind="court",
       base=("办公室", "政治部", "司法行政装备管理处"),
       departments=("立案庭", "刑事审判庭", "民事审判第一庭", "民事审判第二庭", "行政审判庭", "审判监督庭", "执行局")),
    _m("JCY", "示范市人民检察院", "市检察院", PARTY, 65, head=("检察长", "副检察长"), kind="procuratorate",
       base=("办公室", "政治部", "检务保障部"),
       departments=("第一检察部", "第二检察部", "第三检察部", "第四检察部", "第五检察部", "案件管理部")),
    _m("ZGH", "示范市总工会", "市总工会", MASS, 18, head=("主席", "副主席"),
       departments=("组织部", "权益保障部", "职工服务中心")),
    _m("TSW", "共青团示范市委员会", "团市委", MASS, 10, head=("书记", "副书记"), departments=("青少年发展部",)),
    _m("FL", "示范市妇女联合会", "市妇联", MASS, 12, head=("主席", "副主席"), departments=("家庭和儿童工作部",)),
    _m("JGSW", "示范市机关事务服务中心", "市机关事务中心", CIVIL, 55, head=("主任", "副主任"),
       base=(), departments=("办公室", "资产管理科", "公务用车管理科", "公物仓管理科", "财务采购科", "服务保障科",
                             "节能管理科", "安全信访科", "党建办公室")),
)

SUBORDINATE: tuple[UnitSpec, ...] = (
    _m("JYJ-YZ", "示范市第一中学", "市一中", INST, 90, parent="SFS-JYJ", head=("校长", "副校长"), kind="school",
       base=("校长办公室", "教务处", "政教处", "总务处"), departments=("高一年级组", "高二年级组", "高三年级组")),
    _m("JYJ-EZ", "示范市第二中学", "市二中", INST, 80, parent="SFS-JYJ", head=("校长", "副校长"), kind="school",
       base=("校长办公室", "教务处", "政教处", "总务处"), departments=("初中部", "高中部")),
    _m("WJW-ZXYY", "示范市中心医院", "市中心医院", INST, 120, parent="SFS-WJW", head=("院长", "副院长"),
       kind="hospital", base=("院长办公室", "医务科", "护理部", "财务科"),
       departments=("内科", "外科", "妇产科", "儿科", "急诊科", "医学影像科")),
    _m("WJW-CDC", "示范市疾病预防控制中心", "市疾控中心", INST, 35, parent="SFS-WJW", head=("主任", "副主任"),
       kind="cdc", base=("办公室", "财务科"), departments=("传染病防制科", "免疫规划科", "检验科")),
    _m("CZJ-JYZX", "示范市公共资源交易中心", "市公共资源交易中心", INST, 20, parent="SFS-CZJ",
       head=("主任", "副主任"), kind="service", base=("综合科",), departments=("交易服务科", "信息技术科")),
    _m("ZRZY-BDC", "示范市不动产登记中心", "市不动产登记中心", INST, 25, parent="SFS-ZRZY",
       head=("主任", "副主任"), kind="service", base=("综合科",), departments=("登记受理科", "权籍调查科")),
)

PROVIDERS: tuple[UnitSpec, ...] = (
    _m("WY", "示范市物业服务有限公司", "市物业公司", PROVIDER, 30, parent="SFS-JGSW", head=("总经理", "副总经理"),
       kind="provider", base=(), departments=("综合部", "保洁部", "秩序维护部", "工程维修部")),
    _m("CY", "示范市餐饮管理有限公司", "市餐饮公司", PROVIDER, 20, parent="SFS-JGSW", head=("总经理", "副总经理"),
       kind="provider", base=(), departments=("综合部", "厨房", "餐厅服务部", "采购部")),
)

# (code suffix, name after the district name, weight, business departments)
DISTRICT_UNITS: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("ZFB", "人民政府办公室", 20, ("秘书股", "督查股")),
    ("FGJ", "发展和改革局", 14, ("规划股", "项目股")),
    ("CZJ", "财政局", 18, ("预算股", "国库股", "政府采购股")),
    ("JYJ", "教育局", 16, ("基础教育股", "教师管理股")),
    ("WJJ", "卫生健康局", 14, ("医政股", "疾病预防控制股")),
    ("MZJ", "民政局", 10, ("社会救助股",)),
    ("ZJJ", "住房和城乡建设局", 14, ("建筑管理股", "城建股")),
    ("JGSW", "机关事务服务中心", 12, ("资产管理股", "公务用车管理股", "服务保障股")),
)

# (unit code, name, kind of division, region code): two districts and a county.
DISTRICTS: tuple[tuple[str, str, str, str], ...] = (
    ("SFS-SFQ", "示范区", "区", "619902"),
    ("SFS-XCQ", "新城区", "区", "619903"),
    ("SFS-DCX", "东川县", "县", "619921"),
)
OVER_QUOTA_DISTRICT_UNITS = frozenset({"SFS-SFQ-CZJ", "SFS-DCX-JYJ"})

_EXTRA_FIRST = "北南西清安永长广龙凤青金玉宝华兴和平明石"
_EXTRA_SECOND = "川原山河阳宁泉丰"


def extra_districts(count: int) -> list[tuple[str, str, str, str]]:
    """More fictional counties for the city-scale benchmark (region codes 619904…, skipping 619921)."""
    taken = {name for _, name, _, _ in DISTRICTS}
    out: list[tuple[str, str, str, str]] = []
    codes = (f"6199{n:02d}" for n in range(4, 100) if n != 21)
    names = (a + b + "县" for b in _EXTRA_SECOND for a in _EXTRA_FIRST)
    for name in names:
        if len(out) == count:
            break
        if name in taken:
            continue
        out.append((f"SFS-X{len(out) + 1:02d}", name, "县", next(codes)))
    if len(out) < count:
        raise ValueError("too many districts requested")
    return out


STREETS = ("人民路", "中山路", "长安路", "建设路", "和平路", "解放路", "文化路", "新华路", "朝阳路", "渭河路",
           "秦岭路", "迎宾大道", "政府街", "东风路", "西关大街", "南环路", "北大街", "学府路")
