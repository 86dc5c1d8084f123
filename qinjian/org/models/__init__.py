from .people import Person
from .ranks import Rank
from .staffing import StaffingChangeRequest
from .units import Department, Region, Unit

__all__ = ["Department", "Person", "Rank", "Region", "StaffingChangeRequest", "Unit"]
