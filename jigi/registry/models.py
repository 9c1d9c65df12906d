"""Households, individuals, identity documents and change requests."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jigi.core.models import AdminArea


class Household(models.Model):
    """A household of the register, located in a commune and a village or quarter."""

    SCOPE_AREA_PATH: ClassVar[str] = "commune_id"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    class Status(models.TextChoices):
        ACTIVE = "active", _("Actif")
        MOVED = "moved", _("Déménagé")
        DISSOLVED = "dissolved", _("Dissous")
        MERGED = "merged", _("Fusionné")

    class Source(models.TextChoices):
        SURVEY = "survey", _("Enquête / recensement")
        IMPORT = "import", _("Import de fichier")
        REFERRAL = "referral", _("Référencement")
        WEB_FORM = "web_form", _("Formulaire web")

    class Displacement(models.TextChoices):
        RESIDENT = "resident", _("Résident")
        IDP = "idp", _("Personne déplacée interne (PDI)")
        RETURNEE = "returnee", _("Retourné")
        REFUGEE = "refugee", _("Réfugié")
        HOST = "host", _("Communauté hôte")

    class Roof(models.TextChoices):
        STRAW = "straw", _("Paille / chaume")
        MUD = "mud", _("Banco / terre")
        CORRUGATED_IRON = "corrugated_iron", _("Tôle")
        CONCRETE = "concrete", _("Dalle / béton")
        OTHER = "other", _("Autre")

    class Wall(models.TextChoices):
        MUD = "mud", _("Banco / terre")
        STONE = "stone", _("Pierre")
        CEMENT_BLOCK = "cement_block", _("Parpaing / ciment")
        STRAW = "straw", _("Paille / secco")
        OTHER = "other", _("Autre")

    class Floor(models.TextChoices):
        EARTH = "earth", _("Terre battue")
        CEMENT = "cement", _("Ciment")
        TILE = "tile", _("Carrelage")
        OTHER = "other", _("Autre")

    class Water(models.TextChoices):
        PIPED = "piped", _("Robinet / adduction")
        BOREHOLE = "borehole", _("Forage")
        PROTECTED_WELL = "protected_well", _("Puits protégé")
        UNPROTECTED_WELL = "unprotected_well", _("Puits non protégé")
        SURFACE = "surface", _("Eau de surface (fleuve, mare)")
        OTHER = "other", _("Autre")

    class Toilet(models.TextChoices):
        FLUSH = "flush", _("Chasse d'eau")
        IMPROVED_LATRINE = "improved_latrine", _("Latrine améliorée")
        LATRINE = "latrine", _("Latrine traditionnelle")
        NONE = "none", _("Aucune (nature)")

    class Lighting(models.TextChoices):
        GRID = "grid", _("Électricité du réseau")
        SOLAR = "solar", _("Solaire")
        LAMP = "lamp", _("Lampe à piles / torche")
        KEROSENE = "kerosene", _("Pétrole")
        NONE = "none", _("Aucun")

    class Cooking(models.TextChoices):
        FIREWOOD = "firewood", _("Bois")
        CHARCOAL = "charcoal", _("Charbon")
        GAS = "gas", _("Gaz")
        ELECTRICITY = "electricity", _("Électricité")
        OTHER = "other", _("Autre")

    code = models.CharField(_("code ménage"), max_length=16, unique=True)
    commune = models.ForeignKey(
        AdminArea, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="households"
    )
    village = models.CharField(_("village / quartier"), max_length=120)
    village_folded = models.CharField(max_length=120, db_index=True, editable=False)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    registered_on = models.DateField(_("enregistré le"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    status_reason = models.CharField(_("motif du statut"), max_length=300, blank=True)
    is_child_headed = models.BooleanField(_("ménage dirigé par un enfant"), default=False)

    roof = models.CharField(_("toit"), max_length=20, choices=Roof.choices, blank=True)
    wall = models.CharField(_("murs"), max_length=20, choices=Wall.choices, blank=True)
    floor = models.CharField(_("sol"), max_length=20, choices=Floor.choices, blank=True)
    water_source = models.CharField(
        _("source d'eau"), max_length=20, choices=Water.choices, blank=True
    )
    toilet = models.CharField(_("toilettes"), max_length=20, choices=Toilet.choices, blank=True)
    lighting = models.CharField(_("éclairage"), max_length=20, choices=Lighting.choices, blank=True)
    cooking_fuel = models.CharField(
        _("énergie de cuisson"), max_length=20, choices=Cooking.choices, blank=True
    )
    cattle = models.PositiveIntegerField(_("bovins"), default=0)
    sheep = models.PositiveIntegerField(_("ovins"), default=0)
    goats = models.PositiveIntegerField(_("caprins"), default=0)
    camels = models.PositiveIntegerField(_("camelins"), default=0)
    donkeys = models.PositiveIntegerField(_("ânes"), default=0)
    poultry = models.PositiveIntegerField(_("volailles"), default=0)
    land_hectares = models.DecimalField(
        _("terres cultivables (ha)"), max_digits=7, decimal_places=2, default=0
    )
    has_radio = models.BooleanField(_("radio"), default=False)
    has_television = models.BooleanField(_("télévision"), default=False)
    has_phone = models.BooleanField(_("téléphone"), default=False)
    has_bicycle = models.BooleanField(_("vélo"), default=False)
    has_motorbike = models.BooleanField(_("moto"), default=False)
    has_plough = models.BooleanField(_("charrue"), default=False)
    has_cart = models.BooleanField(_("charrette"), default=False)

    displacement = models.CharField(
        _("situation de déplacement"),
        max_length=12,
        choices=Displacement.choices,
        default=Displacement.RESIDENT,
        db_index=True,
    )
    origin_commune = models.ForeignKey(
        AdminArea,
        verbose_name=_("commune d'origine"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    displaced_on = models.DateField(_("date du déplacement"), null=True, blank=True)

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("ménage")
        verbose_name_plural = _("ménages")
        indexes: ClassVar = [
            # Serves "region/cercle/commune + displacement + status, ordered by code" from the
            # index alone: list pages count and sort without reading household rows.
            models.Index(
                fields=["commune", "displacement", "status", "code"], name="household_place_filters"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Individual(models.Model):
    """A member of a household. Names are kept as typed; ``names_folded`` is for search."""

    SCOPE_AREA_PATH: ClassVar[str] = "household__commune__pcode"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    class Sex(models.TextChoices):
        FEMALE = "F", _("Femme")
        MALE = "M", _("Homme")

    class BirthPrecision(models.TextChoices):
        EXACT = "exact", _("Exacte")
        ESTIMATED = "estimated", _("Estimée")
        YEAR = "year", _("Année seulement")

    class Relationship(models.TextChoices):
        HEAD = "head", _("Chef de ménage")
        SPOUSE = "spouse", _("Conjoint(e)")
        CHILD = "child", _("Enfant")
        GRANDCHILD = "grandchild", _("Petit-enfant")
        PARENT = "parent", _("Père / mère")
        SIBLING = "sibling", _("Frère / sœur")
        OTHER_RELATIVE = "other_relative", _("Autre parent")
        NON_RELATIVE = "non_relative", _("Sans lien de parenté")

    class Marital(models.TextChoices):
        SINGLE = "single", _("Célibataire")
        MONOGAMOUS = "monogamous", _("Marié(e), monogame")
        POLYGAMOUS = "polygamous", _("Marié(e), polygame")
        DIVORCED = "divorced", _("Divorcé(e)")
        WIDOWED = "widowed", _("Veuf / veuve")
        SEPARATED = "separated", _("Séparé(e)")

    class Pregnancy(models.TextChoices):
        NONE = "", _("Non")
        PREGNANT = "pregnant", _("Enceinte")
        LACTATING = "lactating", _("Allaitante")

    class Difficulty(models.IntegerChoices):
        NONE = 1, _("Aucune difficulté")
        SOME = 2, _("Quelques difficultés")
        A_LOT = 3, _("Beaucoup de difficultés")
        CANNOT = 4, _("Ne peut pas du tout")

    class Status(models.TextChoices):
        ALIVE = "alive", _("Présent")
        DECEASED = "deceased", _("Décédé")
        MOVED_OUT = "moved_out", _("Parti du ménage")
        MERGED = "merged", _("Fusionné (doublon)")

    household = models.ForeignKey(
        Household, verbose_name=_("ménage"), on_delete=models.PROTECT, related_name="members"
    )
    given_names = models.CharField(_("prénoms"), max_length=120)
    family_name = models.CharField(_("nom"), max_length=80)
    other_names = models.CharField(
        _("autres noms"), max_length=200, blank=True, help_text=_("Surnoms, nom de jeune fille…")
    )
    names_folded = models.CharField(max_length=400, editable=False)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date de naissance"))
    birth_precision = models.CharField(
        _("précision de la date"),
        max_length=10,
        choices=BirthPrecision.choices,
        default=BirthPrecision.EXACT,
    )
    relationship = models.CharField(
        _("lien avec le chef"), max_length=16, choices=Relationship.choices
    )
    marital_status = models.CharField(
        _("situation matrimoniale"), max_length=12, choices=Marital.choices, blank=True
    )
    phone = models.CharField(_("téléphone"), max_length=16, blank=True, db_index=True)
    pregnancy = models.CharField(
        _("grossesse / allaitement"), max_length=10, choices=Pregnancy.choices, blank=True
    )
    seeing = models.PositiveSmallIntegerField(
        _("voir"), choices=Difficulty.choices, null=True, blank=True
    )
    hearing = models.PositiveSmallIntegerField(
        _("entendre"), choices=Difficulty.choices, null=True, blank=True
    )
    walking = models.PositiveSmallIntegerField(
        _("marcher"), choices=Difficulty.choices, null=True, blank=True
    )
    cognition = models.PositiveSmallIntegerField(
        _("se souvenir, se concentrer"), choices=Difficulty.choices, null=True, blank=True
    )
    self_care = models.PositiveSmallIntegerField(
        _("prendre soin de soi"), choices=Difficulty.choices, null=True, blank=True
    )
    communication = models.PositiveSmallIntegerField(
        _("communiquer"), choices=Difficulty.choices, null=True, blank=True
    )
    attends_school = models.BooleanField(_("va à l'école"), null=True, blank=True)
    school_grade = models.CharField(_("classe"), max_length=30, blank=True)
    occupation = models.CharField(_("occupation"), max_length=120, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.ALIVE, db_index=True
    )
    status_on = models.DateField(_("date du statut"), null=True, blank=True)
    status_reason = models.CharField(_("motif"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["household", "id"]
        verbose_name = _("individu")
        verbose_name_plural = _("individus")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship="head", status="alive"),
                name="one_living_head_per_household",
            )
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name}"

    def age_on(self, day: date) -> int:
        """Completed years on ``day``."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def is_estimated(self) -> bool:
        return self.birth_precision != self.BirthPrecision.EXACT

    @property
    def has_disability(self) -> bool:
        """Washington Group cut-off: "a lot of difficulty" or worse in at least one domain."""
        answers = (
            self.seeing,
            self.hearing,
            self.walking,
            self.cognition,
            self.self_care,
            self.communication,
        )
        return any(answer is not None and answer >= 3 for answer in answers)


class NameToken(models.Model):
    """One accent-free, lower-case word of an individual's names, for indexed prefix search.

    It carries the household too, so a search finds households from the index alone.
    """

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="name_tokens")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=60)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["token", "household", "individual"], name="name_token_search")
        ]

    def __str__(self) -> str:
        return self.token


class NameWord(models.Model):
    """Every distinct name word of the register (a few thousand): tells a search at once
    whether a typed word is whole or the start of longer names."""

    word = models.CharField(max_length=60, primary_key=True)

    def __str__(self) -> str:
        return self.word


class NamePair(models.Model):
    """Two of an individual's name words, in either order ("mamadou traore", "traore mamadou"),
    so a two-word search starts from the few people who have both instead of intersecting
    everyone named Mamadou with everyone named Traoré."""

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="name_pairs")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    pair = models.CharField(max_length=121)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["pair", "household", "individual"], name="name_pair_search")
        ]

    def __str__(self) -> str:
        return self.pair


class IdentityDocument(models.Model):
    class Kind(models.TextChoices):
        NINA = "nina", _("NINA")
        BIRTH_CERTIFICATE = "birth_certificate", _("Acte de naissance")
        VOTER_CARD = "voter_card", _("Carte d'électeur")
        PASSPORT = "passport", _("Passeport")
        CONSULAR_CARD = "consular_card", _("Carte consulaire")

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type de pièce"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("numéro"), max_length=40)
    number_normalised = models.CharField(max_length=40, db_index=True, editable=False)
    issuer = models.CharField(_("délivré par"), max_length=120, blank=True)
    issued_on = models.DateField(_("délivré le"), null=True, blank=True)

    class Meta:
        verbose_name = _("pièce d'identité")
        verbose_name_plural = _("pièces d'identité")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "number_normalised"], name="unique_document_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class ChangeRequest(models.Model):
    """An edit proposed by an enumerator, applied only when a programme officer approves it."""

    SCOPE_AREA_PATH: ClassVar[str] = "household__commune__pcode"
    SCOPE_SITE_PATH: ClassVar[str | None] = None

    class Kind(models.TextChoices):
        ADD_MEMBER = "add_member", _("Ajouter un membre")
        MEMBER_EXIT = "member_exit", _("Retirer un membre (décès, départ)")
        CORRECT_MEMBER = "correct_member", _("Corriger un membre")
        CORRECT_HOUSEHOLD = "correct_household", _("Corriger le ménage")
        MOVE_HOUSEHOLD = "move_household", _("Déménagement du ménage")

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Approuvée")
        REJECTED = "rejected", _("Rejetée")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="change_requests"
    )
    individual = models.ForeignKey(
        Individual, on_delete=models.PROTECT, null=True, blank=True, related_name="change_requests"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    payload = models.JSONField(
        _("modifications proposées"), default=dict, encoder=DjangoJSONEncoder
    )
    base_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Version du dossier sur laquelle la demande a été faite."),
    )
    reason = models.CharField(_("motif"), max_length=300)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("examinée par"),
    )
    reviewed_at = models.DateTimeField(_("examinée le"), null=True, blank=True)
    review_comment = models.CharField(_("commentaire"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at"]
        verbose_name = _("demande de modification")
        verbose_name_plural = _("demandes de modification")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.household}"
