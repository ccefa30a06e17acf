"""People: the user account, student profile, skills, consent records and API tokens."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class UserManager(BaseUserManager["User"]):
    """Only what Django's own commands (createsuperuser) need; the app uses accounts.services."""

    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: object) -> User:
        from qingshe.accounts.services import user_create

        return user_create(username=username, password=password, **extra)  # type: ignore[arg-type]

    def create_superuser(self, username: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("name", username)
        user = self.create_user(username, password, **extra)
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with a mobile number or a username.

    The resident ID number is stored only encrypted (`id_number_cipher`), with a keyed hash for
    duplicate look-up and a masked copy for display; see accounts.services.user_set_id_number.
    """

    username = models.CharField(_("username"), max_length=40, unique=True, null=True, blank=True)
    phone = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^1[3-9]\d{9}$", _("Enter a valid mainland mobile number."))],
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=40)
    volunteer_no = models.CharField(
        _("volunteer number"),
        max_length=16,
        unique=True,
        editable=False,
        help_text=_("Public identifier of a volunteer; never the ID number."),
    )
    id_number_cipher = models.BinaryField(
        _("ID number (encrypted)"), null=True, blank=True, editable=False
    )
    id_number_digest = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        default="zh-hans",
        choices=[("zh-hans", "简体中文"), ("en", "English")],
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("platform staff"), default=False, help_text=_("May open the admin site.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    deidentified_at = models.DateTimeField(_("de-identified at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(username__isnull=False) | Q(phone__isnull=False),
                name="user_has_login",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username or self.volunteer_no

    def get_username(self) -> str:
        """The canonical login: the username, or the mobile number for phone-only accounts."""
        return self.username or self.phone or ""

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class StudentProfile(TimeStampedModel):
    """A student's place in the league's tree and what dispatch needs to know about them.

    `busy_slots` is the weekly timetable: a list of {"weekday": 0-6 (Monday = 0),
    "start": "HH:MM", "end": "HH:MM", "label": str}, validated by accounts.services.
    """

    user = models.OneToOneField(
        "accounts.User", verbose_name=_("person"), on_delete=models.CASCADE, related_name="student"
    )
    university = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("university"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("class branch"),
        on_delete=models.PROTECT,
        related_name="student_profiles",
    )
    student_no = models.CharField(_("student number"), max_length=20, blank=True)
    major = models.CharField(_("major"), max_length=60)
    grade = models.PositiveSmallIntegerField(_("grade (year of entry)"))
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills"), blank=True, related_name="students"
    )
    busy_slots = models.JSONField(_("weekly timetable"), default=list, blank=True)
    home_region = models.CharField(_("home region"), max_length=60, blank=True)
    # Where the student lives in vacations: dispatch uses it for vacation duty near home (返家乡).
    home_lat = models.DecimalField(
        _("home latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    home_lng = models.DecimalField(
        _("home longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("student profile")
        verbose_name_plural = _("student profiles")

    def __str__(self) -> str:
        return f"{self.user} · {self.major}"


class ConsentPurpose(models.TextChoices):
    PRIVACY_NOTICE = "privacy_notice", _("Personal information notice")
    VOLUNTEERING = "volunteering", _("Taking part in volunteer service")
    SENSITIVE_DATA = "sensitive_data", _("Processing of sensitive personal data")


class ConsentRecord(models.Model):
    """What a person consented to, under which notice version, when, and who recorded it.

    For a minor, the guardian gives consent: `guardian_name` and `guardian_relation` are filled.
    """

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("person"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    notice_version = models.CharField(_("notice version"), max_length=20)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    guardian_name = models.CharField(_("guardian"), max_length=40, blank=True)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=20, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_purpose_display()} · {self.notice_version}"

    @property
    def by_guardian(self) -> bool:
        return bool(self.guardian_name)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


# A person's deletion requests (issue 11): the model lives with the rest of personal_data/.
from qingshe.accounts.personal_data.models import DeletionRequest  # noqa: E402, F401
