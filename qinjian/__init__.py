"""勤俭 Qinjian — back-office platform for a municipal Government Offices Administration Service Center."""

__version__ = "0.1.0"
