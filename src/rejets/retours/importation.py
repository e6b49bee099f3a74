"""`rejets retours import`: one file, one transaction, a report where every line is counted.

A file is keyed by its SHA-256: importing it again changes nothing and returns the first
import's report, limited to the cabinets the user may see — also when two imports of the same
file run at once (the unique key makes the second wait, then read the first's report). Lines of
cabinets the user may not act for stay pending on the file until a user who may imports it. A
structural fault refuses the whole file, which is kept in quarantine; a killed import leaves
the database as before (one transaction) and the file importable again.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from rejets.domain.rapprochement import LigneArl, LigneRetour

from . import services
from .correspondance import Correspondance, Resolveur, correspondances
from .ingestion import IngestionEnBloc, collecte_espacee
from .lecture import FichierRetourInvalide, Refus, lire_fichier
from .models import (
    FichierRetour,
    ImportRetour,
    ProfilCsv,
    StatutFichier,
    StatutLigne,
)
from .models import (
    LigneRetour as LigneRetourModele,
)

TAILLE_PAQUET = 5000
Progression = Callable[[int], None]


@dataclass
class RapportRetour:
    """What an import did, as the user may see it. Always: lues = appliquees +
    non_rapprochees + refusees + en_attente_autres_cabinets."""

    fichier: str
    sha256: str
    format: str = ""
    statut: str = StatutFichier.IMPORTE
    motif: str = ""
    ligne_fautive: int | None = None
    deja_importe: bool = False
    lues: int = 0
    appliquees: int = 0
    en_attente_affectation: int = 0
    non_rapprochees: int = 0
    suggestions: int = 0
    refusees: int = 0
    en_attente_autres_cabinets: int = 0
    refus: list[str] = field(default_factory=list)

    @property
    def refuse(self) -> bool:
        return self.statut == StatutFichier.QUARANTAINE

    def resume(self) -> dict[str, Any]:
        return asdict(self)


def empreinte(chemin: Path) -> str:
    h = hashlib.sha256()
    with chemin.open("rb") as flux:
        for bloc in iter(lambda: flux.read(1 << 20), b""):
            h.update(bloc)
    return h.hexdigest()


def _conserver(chemin: Path, sha: str, quarantaine: bool) -> Path:
    dossier = Path(settings.REJETS_FICHIERS_DIR) / ("quarantaine" if quarantaine else "retours")
    dossier.mkdir(parents=True, exist_ok=True)
    cible = dossier / sha
    if not cible.exists():
        shutil.copyfile(chemin, cible)
    return cible


def importer_retour(
    *,
    chemin: Path,
    nom: str,
    utilisateur: User,
    perimetre: set[int] | None,
    profil: ProfilCsv | None = None,
    par_ligne: bool = False,
    progression: Progression | None = None,
) -> RapportRetour:
    """Import one return file for the cabinets in `perimetre` (None: every cabinet, for the
    machine's operator). `par_ligne` applies each line through the invoice services; the
    default path writes the same rows in batches."""
    sha = empreinte(chemin)
    existant = FichierRetour.objects.filter(sha256=sha).first()
    if existant is None:
        nouveau = False
        try:
            _importer_nouveau(
                chemin, nom, sha, utilisateur, perimetre, profil, par_ligne, progression
            )
            nouveau = True
        except IntegrityError:
            if not FichierRetour.objects.filter(sha256=sha).exists():
                raise
        except FichierRetourInvalide as refus:
            nouveau = _mettre_en_quarantaine(chemin, nom, sha, utilisateur, refus)
        fichier = FichierRetour.objects.get(sha256=sha)
        return rapport(fichier, perimetre, deja_importe=not nouveau)
    if existant.statut == StatutFichier.IMPORTE:
        _appliquer_en_attente(existant, utilisateur, perimetre, par_ligne)
    return rapport(existant, perimetre, deja_importe=True)


def _importer_nouveau(
    chemin: Path,
    nom: str,
    sha: str,
    utilisateur: User,
    perimetre: set[int] | None,
    profil: ProfilCsv | None,
    par_ligne: bool,
    progression: Progression | None,
) -> None:
    copie = _conserver(chemin, sha, quarantaine=False)
    with transaction.atomic(), chemin.open("rb") as flux:
        verifier_les_cles_au_fil_de_l_eau()
        fichier = FichierRetour.objects.create(
            sha256=sha,
            nom=nom[:255],
            taille=chemin.stat().st_size,
            statut=StatutFichier.IMPORTE,
            chemin=str(copie),
            importe_par=utilisateur,
        )
        lecture = lire_fichier(flux, nom, profil)
        fichier.format, fichier.date = lecture.format, lecture.date
        application = Application(fichier, utilisateur, perimetre, lecture.date, par_ligne)
        lues = application.tout(_avec_progression(lecture.lignes, flux, progression))
        fichier.lignes_lues = lues
        fichier.save(update_fields=["format", "date", "lignes_lues"])
        application.clore()


def verifier_les_cles_au_fil_de_l_eau() -> None:
    """PostgreSQL checks deferred foreign keys at commit, from one queue holding an event per
    inserted row: for a large file, check them after each statement instead."""
    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _avec_progression(
    lignes: Iterable[LigneRetour | LigneArl | Refus], flux: Any, progression: Progression | None
) -> Iterator[LigneRetour | LigneArl | Refus]:
    if progression is None:
        yield from lignes
        return
    for i, ligne in enumerate(lignes, 1):
        if i % 5000 == 0:
            progression(flux.tell())
        yield ligne
    progression(flux.tell())


def _mettre_en_quarantaine(
    chemin: Path, nom: str, sha: str, utilisateur: User, refus: FichierRetourInvalide
) -> bool:
    copie = _conserver(chemin, sha, quarantaine=True)
    try:
        with transaction.atomic():
            FichierRetour.objects.create(
                sha256=sha,
                nom=nom[:255],
                taille=chemin.stat().st_size,
                statut=StatutFichier.QUARANTAINE,
                motif=refus.message,
                ligne_fautive=refus.ligne,
                chemin=str(copie),
                importe_par=utilisateur,
            )
    except IntegrityError:
        if not FichierRetour.objects.filter(sha256=sha).exists():
            raise
        return False
    return True


class Application:
    """Applies the lines of one file, a batch at a time, and counts them per cabinet."""

    def __init__(
        self,
        fichier: FichierRetour,
        utilisateur: User,
        perimetre: set[int] | None,
        le_fichier: date | None,
        par_ligne: bool,
    ) -> None:
        self.fichier = fichier
        self.utilisateur = utilisateur
        self.perimetre = perimetre
        self.le_fichier = le_fichier or timezone.localdate()
        self.par_ligne = par_ligne
        self.resolveur = Resolveur()
        self.compteurs: dict[int, Counter[str]] = defaultdict(Counter)
        self.en_bloc = IngestionEnBloc(fichier.pk, utilisateur, self.le_fichier)

    def permis(self, cabinet_id: int | None) -> bool:
        return cabinet_id is not None and (self.perimetre is None or cabinet_id in self.perimetre)

    def compter(self, cabinet_id: int | None, statut: StatutLigne, suggestion: bool) -> None:
        if cabinet_id is None:
            return
        compte = self.compteurs[cabinet_id]
        compte[statut] += 1
        if suggestion:
            compte["suggestions"] += 1

    def tout(self, lignes: Iterable[LigneRetour | LigneArl | Refus]) -> int:
        """Apply every line, a batch at a time; the number of lines read. The writer is done
        when it returns, whether it succeeds or fails."""
        lues = 0
        paquet: list[LigneRetour | LigneArl] = []
        with collecte_espacee():
            try:
                for ligne in lignes:
                    lues += 1
                    if isinstance(ligne, Refus):
                        self.en_bloc.refuser(ligne)
                        continue
                    paquet.append(ligne)
                    if len(paquet) >= TAILLE_PAQUET:
                        self.paquet(paquet)
                        paquet = []
                if paquet:
                    self.paquet(paquet)
                self.en_bloc.vider()
                self.en_bloc.attendre()
            except BaseException as exc:
                cause = self.en_bloc.abandonner()
                if cause is not None and isinstance(exc, Exception):
                    raise cause from exc
                raise
        return lues

    def paquet(self, lignes: list[LigneRetour | LigneArl]) -> None:
        self.en_bloc.preparer_lecture(
            indus=any(isinstance(x, LigneRetour) and x.montant_paye < 0 for x in lignes)
        )
        a_appliquer: list[Correspondance] = []
        for c in correspondances(lignes, self.resolveur):
            if not self.permis(c.cabinet_id):
                self.en_bloc.mettre_de_cote(c)
                self.compter(c.cabinet_id, StatutLigne.EN_ATTENTE_CABINET, False)
            else:
                a_appliquer.append(c)
        par_services = a_appliquer if self.par_ligne else []
        if not self.par_ligne:
            par_services = [c for c in a_appliquer if isinstance(c.ligne, LigneArl)]
            en_bloc = [c for c in a_appliquer if not isinstance(c.ligne, LigneArl)]
            statuts = self.en_bloc.appliquer(en_bloc, self.resolveur.factures_lues)
            for c, statut in zip(en_bloc, statuts, strict=True):
                self.compter(c.cabinet_id, statut, c.suggestion_id is not None)
        self.en_bloc.vider()
        if par_services:
            self.en_bloc.attendre()
        for c in par_services:
            statut = services.appliquer_ligne(
                c,
                fichier_id=self.fichier.pk,
                le_fichier=self.le_fichier,
                utilisateur=self.utilisateur,
            )
            self.compter(c.cabinet_id, statut, c.suggestion_id is not None)

    def clore(self) -> None:
        """Store each cabinet's report: what its lines became in this run."""
        for cabinet_id, c in self.compteurs.items():
            applique = self.permis(cabinet_id)
            valeurs = {
                "lues": sum(n for k, n in c.items() if k != "suggestions"),
                "appliquees": c[StatutLigne.APPLIQUEE] + c[StatutLigne.EN_ATTENTE_AFFECTATION],
                "en_attente_affectation": c[StatutLigne.EN_ATTENTE_AFFECTATION],
                "non_rapprochees": c[StatutLigne.NON_RAPPROCHEE],
                "suggestions": c["suggestions"],
                "refusees": c[StatutLigne.REFUSEE],
            }
            existant = ImportRetour.objects.filter(
                fichier=self.fichier, cabinet_id=cabinet_id
            ).first()
            if existant is None:
                ImportRetour.objects.create(
                    fichier=self.fichier,
                    cabinet_id=cabinet_id,
                    applique=applique,
                    applique_par=self.utilisateur if applique else None,
                    applique_le=timezone.now() if applique else None,
                    **(valeurs if applique else {"lues": valeurs["lues"]}),
                )
            elif applique and not existant.applique:
                ImportRetour.objects.filter(pk=existant.pk).update(
                    applique=True,
                    applique_par=self.utilisateur,
                    applique_le=timezone.now(),
                    **valeurs,
                )


def _appliquer_en_attente(
    fichier: FichierRetour, utilisateur: User, perimetre: set[int] | None, par_ligne: bool
) -> None:
    """Apply the lines left pending on a known file that this user may now act for."""
    en_attente = LigneRetourModele.objects.filter(
        fichier=fichier, statut=StatutLigne.EN_ATTENTE_CABINET
    )
    if perimetre is not None:
        en_attente = en_attente.filter(Q(cabinet_id__in=perimetre) | Q(cabinet__isnull=True))
    if not en_attente.exists():
        return
    with transaction.atomic():
        lignes = list(en_attente.select_for_update().order_by("numero"))
        application = Application(fichier, utilisateur, perimetre, fichier.date, par_ligne)
        reprises = [services.ligne_depuis_modele(m) for m in lignes]
        a_reprendre = {
            c.ligne.numero
            for c in correspondances(reprises, application.resolveur)
            if application.permis(c.cabinet_id)
        }
        ids = [m.pk for m in lignes if m.numero in a_reprendre]
        if not ids:
            return
        LigneRetourModele.objects.filter(pk__in=ids).delete()
        application.tout(r for r in reprises if r.numero in a_reprendre)
        application.clore()


def rapport(
    fichier: FichierRetour, perimetre: set[int] | None, *, deja_importe: bool
) -> RapportRetour:
    """The stored report of a file, limited to the cabinets in `perimetre`."""
    r = RapportRetour(
        fichier=fichier.nom,
        sha256=fichier.sha256,
        format=fichier.format,
        statut=fichier.statut,
        motif=fichier.motif,
        ligne_fautive=fichier.ligne_fautive,
        deja_importe=deja_importe,
        lues=fichier.lignes_lues,
    )
    if fichier.statut == StatutFichier.QUARANTAINE:
        return r
    imports = ImportRetour.objects.filter(fichier=fichier, applique=True)
    if perimetre is not None:
        imports = imports.filter(cabinet_id__in=perimetre)
    for i in imports:
        r.appliquees += i.appliquees
        r.en_attente_affectation += i.en_attente_affectation
        r.non_rapprochees += i.non_rapprochees
        r.suggestions += i.suggestions
        r.refusees += i.refusees
    refusees = LigneRetourModele.objects.filter(
        fichier=fichier, cabinet__isnull=True, statut=StatutLigne.REFUSEE
    )
    r.refusees += refusees.count()
    r.refus = [
        f"ligne {n}" + (f", champ {champ}" if champ else "") + f" : {motif}"
        for n, champ, motif in refusees.values_list("numero", "champ", "motif")[:200]
    ]
    r.en_attente_autres_cabinets = r.lues - r.appliquees - r.non_rapprochees - r.refusees
    return r
