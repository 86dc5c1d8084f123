from django.db import models


class AdminLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡级"


class UnitType(models.TextChoices):
    PARTY_GOV = "party_gov", "党政机关"
    INSTITUTION_CIVIL = "institution_civil", "参照公务员法管理事业单位"
    INSTITUTION = "institution", "事业单位"
    MASS_ORG = "mass_org", "群团组织"
    SOE = "soe", "国有企业"
    PROVIDER = "provider", "服务企业"
    OTHER = "other", "其他"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class StaffingType(models.TextChoices):
    ADMIN = "admin", "行政编制"
    INSTITUTION = "institution", "事业编制"
    WORKER = "worker", "工勤编制"
    NONE = "none", "编外"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "在职"
    RETIRED = "retired", "退休"
    TRANSFERRED = "transferred", "调离"
