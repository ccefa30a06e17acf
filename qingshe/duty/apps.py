from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "qingshe.duty"
    label = "duty"
    verbose_name = _("Duty and attendance")
