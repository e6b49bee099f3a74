"""The set-based path of an import: the same decisions as the line-by-line services, the same
rows (states, events, payments, rejections, journals, postings), written in batches.

Per batch: the matched invoices and their parts come from the matching query; what each
payer still owes comes from the part's state where the state says it (`ETATS_DUS_EN_ENTIER`),
else from the book, and what it paid is read only for a batch holding an indu. Each line is
decided in file order with `rejets.domain.rapprochement.decider` and `rejets.domain.lifecycle`
on that in-memory copy; the journals come from `rejets.domain.ledger`. A test imports the same
files both ways and compares every row.

The rows of a batch are written after the next batch has been read: on PostgreSQL by a second
thread, on the import's own connection and transaction, while this one decides the next batch
(the server works while Python does). An invoice the batch being written changed is taken
from memory, not from the database, by the next batch; a batch that must read what the
previous one wrote (an indu, a lot, an ARL) waits for it.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from rejets.compta.models import Ecriture, Journal
from rejets.core.sql import parmi
from rejets.domain import ledger, lifecycle
from rejets.domain.ledger import Compte, Payeur
from rejets.domain.lifecycle import Etat, Evenement, TypePartie
from rejets.domain.rapprochement import (
    PARTIE_DE_LA_LIGNE,
    PAYEUR_DE_LA_LIGNE,
    Action,
    LigneRetour,
    Situation,
    decider,
)
from rejets.factures.models import (
    EvenementFacture,
    Facture,
    MoyenPaiement,
    Paiement,
    Partie,
    Rejet,
    SourceRejet,
)
from rejets.factures.services import PARTIE_DU_PAYEUR
from rejets.lots.models import Lot

from .correspondance import LIRE_FACTURES, Correspondance
from .lecture import Refus
from .models import LigneRetour as LigneRetourModele
from .models import PaiementEnAttente, StatutLigne, TypeLigne
from .services import libelle_attente, valeurs_ligne

ETATS = {e.value: e for e in Etat}
TYPES = {t.value: t for t in TypePartie}
TAILLE_MEMO = 4096
"""Memoised values (dates, payment journals) kept at most, so memory stays flat."""
VIREMENT = str(MoyenPaiement.VIREMENT)
ELECTRONIQUE = str(SourceRejet.ELECTRONIQUE)
APPLIQUEE = StatutLigne.APPLIQUEE
EN_ATTENTE_AFFECTATION = StatutLigne.EN_ATTENTE_AFFECTATION
NON_RAPPROCHEE = StatutLigne.NON_RAPPROCHEE
ACTIONS_DE_PAIEMENT = {
    Action.PAYER: Evenement.PAYER,
    Action.PAYER_PARTIELLEMENT: Evenement.PAYER_PARTIELLEMENT,
}


@dataclass(slots=True)
class _Partie:
    """A part as the batch sees it, with what its payer still owes and has paid."""

    pk: int
    etat: Etat
    lot_id: int | None
    date_transmission: date | None
    reste: int = 0
    paye: int = 0
    modifiee: bool = False


@dataclass(slots=True)
class _Facture:
    pk: int
    numero: str
    cabinet_id: int
    professionnel_id: int
    etat: str
    deja_transmise: bool
    parties: dict[TypePartie, _Partie] = field(default_factory=dict)


_chaine_json = json.encoder.encode_basestring_ascii


def en_json(details: dict[str, Any]) -> str:
    """`json.dumps` of a flat dict of texts and integers, without the encoder's set-up cost
    (paid once per event of a large import); anything else goes through `json.dumps`."""
    morceaux = []
    for cle, valeur in details.items():
        if type(valeur) is int:
            morceaux.append(f"{_chaine_json(cle)}: {valeur}")
        elif isinstance(valeur, str):
            morceaux.append(f"{_chaine_json(cle)}: {_chaine_json(valeur)}")
        else:
            return json.dumps(details)
    return "{" + ", ".join(morceaux) + "}"


def _debut_details(details: dict[str, Any]) -> str:
    """An event's details as `en_json` writes them, left open for the return line named
    after them (`{"fichier": …, "ligne": …}`)."""
    return en_json(details)[:-1] + ", " if details else "{"


def _colonnes(modele: type[Model], noms: Sequence[str]) -> list[str]:
    return [str(modele._meta.get_field(n).column) for n in noms]  # type: ignore[union-attr]


class _Table:
    """Rows of one table waiting to be written, with ids reserved beforehand when other rows
    point to them."""

    def __init__(self, modele: type[Model], champs: Sequence[str], avec_id: bool) -> None:
        self.modele = modele
        self.table = modele._meta.db_table
        self.champs = list(champs)
        self.avec_id = avec_id
        self.lignes: list[list[Any]] = []
        colonnes = (["id"] if avec_id else []) + _colonnes(modele, champs)
        table = connection.ops.quote_name(self.table)
        liste = ", ".join(connection.ops.quote_name(c) for c in colonnes)
        self.sql = f"INSERT INTO {table} ({liste}) VALUES ({', '.join(['%s'] * len(colonnes))})"
        self.sql_sqlite = self.sql.replace("%s", "?")
        self.copie = f"COPY {table} ({liste}) FROM STDIN"

    def ajouter(self, valeurs: list[Any]) -> int:
        self.lignes.append(valeurs)
        return len(self.lignes) - 1

    def ecrire(self, ids: list[int] | None) -> None:
        if not self.lignes:
            return
        if ids:
            for ligne, i in zip(self.lignes, ids, strict=True):
                ligne.insert(0, i)
        inserer(self.sql, self.copie, self.lignes)
        self.lignes = []


def inserer(sql: str, copie: str, lignes: Sequence[Sequence[Any]]) -> None:
    """Many rows at once: COPY on PostgreSQL, one prepared statement on SQLite."""
    with connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            with curseur.cursor.copy(copie) as flux:
                for ligne in lignes:
                    flux.write_row(ligne)
        else:
            curseur.executemany(sql, lignes)


def reserver_ids(modele: type[Model], nombre: int) -> list[int]:
    """Ids for rows about to be inserted in this transaction (see `_Ecrivain.ids`)."""
    return _Ecrivain().ids(modele._meta.db_table, nombre)


def _evenements() -> _Table:
    return _Table(
        EvenementFacture,
        ["cabinet", "facture", "evenement", "partie", "etat_avant", "etat_apres", "details",
         "utilisateur", "horodatage"],
        avec_id=True,
    )  # fmt: skip


def _journaux() -> _Table:
    return _Table(
        Journal,
        ["cabinet", "facture", "evenement", "nature", "date", "libelle", "utilisateur", "cree_le"],
        avec_id=True,
    )


def _ecritures() -> _Table:
    return _Table(Ecriture, ["cabinet", "journal", "facture", "compte", "montant"], avec_id=False)


def _paiements() -> _Table:
    return _Table(
        Paiement,
        ["cabinet", "facture", "payeur", "moyen", "montant", "date", "reference", "cree_le"],
        avec_id=False,
    )


def _rejets() -> _Table:
    return _Table(
        Rejet,
        ["cabinet", "facture", "partie", "code", "libelle", "date", "source", "cree_le"],
        avec_id=False,
    )


def _attentes() -> _Table:
    return _Table(
        PaiementEnAttente,
        ["cabinet", "ligne", "payeur", "montant", "date", "reference", "motif", "journal"],
        avec_id=False,
    )


Valeurs = tuple[Any, ...]


@dataclass
class _Paquet:
    """The rows of one batch, ready to be written, as tuples (the collector stops following
    tuples of plain values, so a batch in memory costs it nothing). Events and journals get
    their ids when written; a journal names its event, a posting and a parked payment their
    journal, by their index in this batch."""

    evenements: list[Valeurs] = field(default_factory=list)
    journaux: list[Valeurs] = field(default_factory=list)
    ecritures: list[Valeurs] = field(default_factory=list)
    paiements: list[Valeurs] = field(default_factory=list)
    rejets: list[Valeurs] = field(default_factory=list)
    attentes: list[Valeurs] = field(default_factory=list)
    parties: list[Valeurs] = field(default_factory=list)
    factures: list[Valeurs] = field(default_factory=list)


_ECHAPPER = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
"""A free text as a field of COPY's text format."""


def _nul(valeur: Any) -> Any:
    return "\\N" if valeur is None else valeur


Operation = tuple[str, str, Any]
"""What the writer runs: ("copie", COPY, text), ("lignes", INSERT, rows) or ("sql", SQL,
parameters)."""


class _Ecrivain:
    """Turns the rows of a batch into the statements that write them (ids reserved, rows
    formatted: in the importing thread), then runs them on the DB-API connection of the
    import's transaction (in another thread on PostgreSQL)."""

    TABLES = {
        "evenements": _evenements,
        "journaux": _journaux,
        "ecritures": _ecritures,
        "paiements": _paiements,
        "rejets": _rejets,
        "attentes": _attentes,
    }
    MISES_A_JOUR = {
        "parties": (
            Partie._meta.db_table,
            {"etat": "varchar", "lot_id": "bigint", "date_transmission": "date"},
        ),
        "factures": (Facture._meta.db_table, {"etat": "varchar", "deja_transmise": "boolean"}),
    }
    _sequences: dict[str, str] = {}

    def __init__(self) -> None:
        connection.ensure_connection()
        self.brut = connection.connection
        self.postgresql = connection.vendor == "postgresql"
        self._erreurs = connection.wrap_database_errors
        """Django's exceptions for the driver's, as the ORM raises them."""
        self._tables = {nom: table() for nom, table in self.TABLES.items()}

    def ids(self, table: str, nombre: int) -> list[int]:
        """On SQLite the transaction holds the only write lock, so the next ids are free; on
        PostgreSQL they come from the table's sequence."""
        if not nombre:
            return []
        with self._erreurs, closing(self.brut.cursor()) as curseur:
            if self.postgresql:
                sequence = self._sequences.get(table)
                if sequence is None:
                    curseur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                    sequence = self._sequences[table] = curseur.fetchone()[0]
                curseur.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, nombre]
                )
                return [r[0] for r in curseur.fetchall()]
            curseur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
            debut = curseur.fetchone()[0] + 1
            return list(range(debut, debut + nombre))

    def preparer(self, paquet: _Paquet) -> list[Operation]:
        """The statements writing a batch: parents before children, then the new states."""
        ids_ev = self.ids(EvenementFacture._meta.db_table, len(paquet.evenements))
        ids_j = self.ids(Journal._meta.db_table, len(paquet.journaux))
        if self.postgresql:
            return self._preparer_copies(paquet, ids_ev, ids_j)
        lignes = {
            "evenements": [(i, *e) for i, e in zip(ids_ev, paquet.evenements, strict=True)],
            "journaux": [
                (i, cabinet, facture, None if ev is None else ids_ev[ev], *reste)
                for i, (cabinet, facture, ev, *reste) in zip(ids_j, paquet.journaux, strict=True)
            ],
            "ecritures": [(cabinet, ids_j[j], *reste) for cabinet, j, *reste in paquet.ecritures],
            "paiements": paquet.paiements,
            "rejets": paquet.rejets,
            "attentes": [(*debut, ids_j[j]) for *debut, j in paquet.attentes],
        }
        operations: list[Operation] = [
            ("lignes", self._tables[nom].sql_sqlite, rangs)
            for nom, rangs in lignes.items()
            if rangs
        ]
        for nom, maj in (("parties", paquet.parties), ("factures", paquet.factures)):
            if maj:
                table, colonnes = self.MISES_A_JOUR[nom]
                affectations = ", ".join(f'"{c}" = ?' for c in colonnes)
                sql = f'UPDATE "{table}" SET {affectations} WHERE id = ?'
                operations.append(("lignes", sql, maj))
        return operations

    def _preparer_copies(
        self, paquet: _Paquet, ids_ev: list[int], ids_j: list[int]
    ) -> list[Operation]:
        """PostgreSQL: each table in one COPY, its text written here, field by field (the
        texts that come from a file escaped); the states in one UPDATE per table."""
        e = _ECHAPPER
        textes = {
            "evenements": [
                f"{i}\t{c}\t{f}\t{ev}\t{p}\t{a}\t{b}\t{d.translate(e)}\t{u}\t{h}\n"
                for i, (c, f, ev, p, a, b, d, u, h) in zip(ids_ev, paquet.evenements, strict=True)
            ],
            "journaux": [
                f"{i}\t{c}\t{_nul(f)}\t{_nul(None if ev is None else ids_ev[ev])}\t{n}\t{d}\t"
                f"{x.translate(e)}\t{u}\t{h}\n"
                for i, (c, f, ev, n, d, x, u, h) in zip(ids_j, paquet.journaux, strict=True)
            ],
            "ecritures": [
                f"{c}\t{ids_j[j]}\t{_nul(f)}\t{compte}\t{m}\n"
                for c, j, f, compte, m in paquet.ecritures
            ],
            "paiements": [
                f"{c}\t{f}\t{p}\t{mo}\t{m}\t{d}\t{r.translate(e)}\t{h}\n"
                for c, f, p, mo, m, d, r, h in paquet.paiements
            ],
            "rejets": [
                f"{c}\t{f}\t{p}\t{co.translate(e)}\t{x.translate(e)}\t{d}\t{so}\t{h}\n"
                for c, f, p, co, x, d, so, h in paquet.rejets
            ],
            "attentes": [
                f"{c}\t{li}\t{p}\t{m}\t{d}\t{r.translate(e)}\t{mo.translate(e)}\t{ids_j[j]}\n"
                for c, li, p, m, d, r, mo, j in paquet.attentes
            ],
        }
        operations: list[Operation] = [
            ("copie", self._tables[nom].copie, "".join(t)) for nom, t in textes.items() if t
        ]
        for nom, maj in (("parties", paquet.parties), ("factures", paquet.factures)):
            if maj:
                table, colonnes = self.MISES_A_JOUR[nom]
                valeurs = [list(colonne) for colonne in zip(*maj, strict=True)]
                tableaux = ", ".join(f"%s::{t}[]" for t in colonnes.values())
                affectations = ", ".join(f'"{c}" = m."{c}"' for c in colonnes)
                sql = (
                    f'UPDATE "{table}" t SET {affectations} '
                    f"FROM unnest({tableaux}, %s::bigint[]) AS m({', '.join(colonnes)}, id) "
                    "WHERE t.id = m.id AND t.id = ANY(%s::bigint[])"
                )
                operations.append(("sql", sql, [*valeurs, valeurs[-1]]))
        return operations

    def executer(self, operations: list[Operation]) -> None:
        """Run the statements of a batch. On PostgreSQL the UPDATE … FROM unnest(arrays) also
        gives the ids to the primary key's index, so the rows are reached through it whatever
        the table's size."""
        with self._erreurs, closing(self.brut.cursor()) as curseur:
            for genre, sql, donnees in operations:
                if genre == "copie":
                    with curseur.copy(sql) as flux:
                        flux.write(donnees)
                elif genre == "lignes":
                    curseur.executemany(sql, donnees)
                else:
                    curseur.execute(sql, donnees)


class _EnFond:
    """One batch at a time written by a second thread; `attendre` returns when it is done and
    raises what it raised."""

    def __init__(self) -> None:
        self._fil: threading.Thread | None = None
        self._erreur: BaseException | None = None

    def lancer(self, travail: Callable[[], None]) -> None:
        self.attendre()

        def executer() -> None:
            try:
                travail()
            except BaseException as exc:  # handed to the importing thread by `attendre`
                self._erreur = exc

        self._fil = threading.Thread(target=executer, name="rejets-ecriture", daemon=True)
        self._fil.start()

    def attendre(self) -> None:
        if self._fil is not None:
            self._fil.join()
            self._fil = None
        if self._erreur is not None:
            erreur, self._erreur = self._erreur, None
            raise erreur


class _CollecteEspacee:
    """During a large import, the cyclic garbage collector runs every `SEUIL` allocations
    instead of every 700 (Python's default), then as before.

    A batch allocates a few objects per line (read line, match, invoice, part) that all live
    until the batch is decided: with the default threshold the collector runs thousands of
    times per import and, having promoted them, rescans the whole heap about once per batch
    (measured: a third of an import's time on SQLite, docs/performance.md). They form no
    cycles and are freed by reference counting, so collecting seldom delays no memory; what
    cycles there are wait at most `SEUIL` allocations. Imports running at once share one
    change, undone by the last to finish."""

    SEUIL = 100_000

    def __init__(self) -> None:
        self._verrou = threading.Lock()
        self._en_cours = 0
        self._avant = gc.get_threshold()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._verrou:
            if not self._en_cours:
                self._avant = gc.get_threshold()
                gc.set_threshold(max(self.SEUIL, self._avant[0]), *self._avant[1:])
            self._en_cours += 1
        try:
            yield
        finally:
            with self._verrou:
                self._en_cours -= 1
                if not self._en_cours:
                    gc.set_threshold(*self._avant)


collecte_espacee = _CollecteEspacee()


class IngestionEnBloc:
    """The batches of one import: `appliquer` decides a batch, `vider` hands its rows to the
    writer, `attendre` returns once everything handed over is written."""

    def __init__(self, fichier_id: int, utilisateur: User, le_fichier: date) -> None:
        self.fichier_id = fichier_id
        self.utilisateur = utilisateur
        self.le_fichier = le_fichier
        self.lots: dict[tuple[int, int, str, str], int] = {}
        self._numero = 0
        self._ops = connection.ops
        self._utilisateur_id = utilisateur.pk
        self._fin_details = f'"fichier": {fichier_id}, "ligne": '
        self._cache_dates: dict[date | None, Any] = {}
        self._journaux_de_paiement: dict[
            tuple[date, Payeur, int], tuple[str, Any, str, tuple[tuple[str, int], ...]]
        ] = {}
        self._transitions: dict[tuple[Any, ...], tuple[Etat, str, str, str, bool]] = {}
        self._ecrivain = _Ecrivain()
        self._en_fond = _EnFond() if connection.vendor == "postgresql" else None
        self._a_ecrire: _Paquet | None = None
        self._en_vol: dict[int, _Facture] = {}
        """The invoices changed by the batch handed over by `vider` and not yet written…"""
        self._en_vol_fond: dict[int, _Facture] = {}
        """… and by the batch being written in the background."""
        self._relire = False
        self._vider_tampons()

    def _vider_tampons(self) -> None:
        self._horodatage = str(connection.ops.adapt_datetimefield_value(timezone.now()))
        self.paquet = _Paquet()
        self.lignes: list[LigneRetourModele] = []
        self.attente_de_la_ligne: list[tuple[int, Valeurs]] = []
        self.factures_modifiees: dict[int, _Facture] = {}
        self.lots_changes = False

    def _dates(self, d: date | None) -> Any:
        try:
            return self._cache_dates[d]
        except KeyError:
            if len(self._cache_dates) > TAILLE_MEMO:
                self._cache_dates.clear()
            valeur = self._ops.adapt_datefield_value(d)
            valeur = self._cache_dates[d] = None if valeur is None else str(valeur)
            return valeur

    def _ligne(self, c: Correspondance | None, statut: str, motif: str, **autres: Any) -> int:
        """A line kept for a person (unmatched, parked, pending, refused): rare, so built as
        the services build it (`valeurs_ligne`) and written with bulk_create."""
        valeurs = valeurs_ligne(c) if c is not None else autres
        self.lignes.append(
            LigneRetourModele(
                fichier_id=self.fichier_id, statut=statut, motif=motif[:500], **valeurs
            )
        )
        return len(self.lignes) - 1

    def refuser(self, refus: Refus) -> None:
        self._ligne(
            None,
            StatutLigne.REFUSEE,
            refus.motif,
            champ=refus.champ,
            numero=refus.numero,
            type=TypeLigne.ARL if refus.arl else TypeLigne.RETOUR,
        )

    def mettre_de_cote(self, c: Correspondance) -> None:
        self._ligne(c, StatutLigne.EN_ATTENTE_CABINET, c.motif or "Cabinet hors de vos droits.")

    # --- reading the state of the matched invoices -------------------------------------

    def _charger(
        self, ids: set[int], indus: bool, lues: list[tuple[Any, ...]] | None = None
    ) -> dict[int, _Facture]:
        """The matched invoices, their parts, what each payer still owes (receivable balance)
        and, when the batch holds an indu, has paid (payments less indus). An invoice changed
        by the batch still being written is taken as that batch left it."""
        if not ids:
            return {}
        q = connection.ops.quote_name
        factures: dict[int, _Facture] = {}
        for en_vol in (self._en_vol, self._en_vol_fond):
            for i in ids & en_vol.keys():
                factures[i] = en_vol[i]
        if factures:
            ids = ids - factures.keys()
            if not ids:
                return factures
        lues = [r for r in lues or () if r[0] in ids]
        manquantes = sorted(ids - {r[0] for r in lues})
        with connection.cursor() as c:
            if manquantes:
                condition, parametres = parmi("f.id", manquantes)
                c.execute(
                    f"{LIRE_FACTURES} FROM {q(Facture._meta.db_table)} f "
                    f"JOIN {q(Partie._meta.db_table)} p ON p.facture_id = f.id "
                    f"WHERE {condition}",
                    parametres,
                )
                lues += c.fetchall()
            a_lire: list[int] = []
            dus = lifecycle.ETATS_DUS_EN_ENTIER
            for facture_id, numero, cabinet, prof, etat_f, transmise, *partie in lues:
                pk, type_, etat_p, lot_id, date_tr, montant = partie
                f = factures.get(facture_id)
                if f is None:
                    f = factures[facture_id] = _Facture(
                        facture_id, numero, cabinet, prof, etat_f, bool(transmise)
                    )
                if isinstance(date_tr, str):
                    date_tr = date.fromisoformat(date_tr)
                etat = ETATS[etat_p]
                if etat in dus:
                    f.parties[TYPES[type_]] = _Partie(pk, etat, lot_id, date_tr, montant)
                else:
                    f.parties[TYPES[type_]] = _Partie(pk, etat, lot_id, date_tr)
                    a_lire.append(facture_id)
            if a_lire:
                condition, parametres = parmi("facture_id", sorted(set(a_lire)))
                c.execute(
                    f"SELECT facture_id, compte, SUM(montant) FROM {q(Ecriture._meta.db_table)} "
                    f"WHERE {condition} AND compte IN (%s, %s) GROUP BY facture_id, compte",
                    [*parametres, Compte.CREANCE_AMO.value, Compte.CREANCE_AMC.value],
                )
                for facture_id, compte, montant in c.fetchall():
                    payeur = Payeur.AMO if compte == Compte.CREANCE_AMO else Payeur.AMC
                    p = factures[facture_id].parties.get(PARTIE_DU_PAYEUR[payeur])
                    if p is not None and p.etat not in dus:
                        p.reste = int(montant)
            if not indus:
                return factures
            condition, parametres = parmi("facture_id", sorted(ids))
            c.execute(
                f"SELECT facture_id, payeur, SUM(montant) FROM {q(Paiement._meta.db_table)} "
                f"WHERE {condition} AND payeur IN (%s, %s) GROUP BY facture_id, payeur",
                [*parametres, Payeur.AMO.value, Payeur.AMC.value],
            )
            for facture_id, payeur, montant in c.fetchall():
                p = factures[facture_id].parties.get(PARTIE_DU_PAYEUR[Payeur(payeur)])
                if p is not None:
                    p.paye = int(montant)
        return factures

    # --- applying ------------------------------------------------------------------------

    def appliquer(
        self,
        correspondances: Sequence[Correspondance],
        lues: list[tuple[Any, ...]] | None = None,
    ) -> list[StatutLigne]:
        """Apply a batch of matched return lines, in file order; the fate of each line.
        `lues`: the invoices and parts as matching read them (`LIRE_FACTURES`), if at hand."""
        statuts: list[StatutLigne] = []
        indus = any(c.ligne.montant_paye < 0 for c in correspondances)  # type: ignore[union-attr]
        factures = self._charger(
            {c.facture_id for c in correspondances if c.facture_id}, indus=indus, lues=lues
        )
        self._lancer_ecriture()
        statut = statuts.append
        le_fichier = self.le_fichier
        for c in correspondances:
            lue = c.ligne
            assert isinstance(lue, LigneRetour)
            le = lue.date_virement or le_fichier
            if c.facture_id is None:
                n = self._ligne(c, NON_RAPPROCHEE, c.motif)
                if lue.montant_paye:
                    self._attente(c, lue, n, le, c.motif)
                statut(NON_RAPPROCHEE)
                continue
            f = factures[c.facture_id]
            partie = PARTIE_DE_LA_LIGNE[lue.partie]
            payeur = PAYEUR_DE_LA_LIGNE[lue.partie]
            p = f.parties.get(partie)
            decision = decider(lue, None if p is None else Situation(p.etat, p.reste, p.paye))
            action = decision.action
            if action is Action.ATTENTE:
                n = self._ligne(c, EN_ATTENTE_AFFECTATION, decision.motif)
                self._attente(c, lue, n, le, decision.motif)
                statut(EN_ATTENTE_AFFECTATION)
                continue
            if action is Action.A_EXAMINER:
                self._ligne(c, NON_RAPPROCHEE, decision.motif)
                statut(NON_RAPPROCHEE)
                continue
            assert p is not None
            self._numero = lue.numero
            if lue.numero_lot and p.etat is Etat.EXPORTEE:
                lot_id = self._lot(f, partie, lue.numero_lot)
                self._changer(
                    f,
                    p,
                    partie,
                    Evenement.TRANSMETTRE,
                    _debut_details({"lot": lue.numero_lot}),
                    lot_id=lot_id,
                    le=le,
                )
            self._executer(f, p, partie, payeur, lue, action, le)
            statut(APPLIQUEE)
        return statuts

    def _lot(self, f: _Facture, partie: TypePartie, numero: str) -> int:
        cle = (f.cabinet_id, f.professionnel_id, partie.value, numero)
        if cle not in self.lots:
            self._attendre_le_fond()  # get_or_create may roll back to a savepoint
            lot, _ = Lot.objects.get_or_create(
                cabinet_id=f.cabinet_id,
                professionnel_id=f.professionnel_id,
                type_partie=partie,
                numero=numero,
            )
            self.lots[cle] = lot.pk
        self.lots_changes = True
        return self.lots[cle]

    def _changer(
        self,
        f: _Facture,
        p: _Partie,
        partie: TypePartie,
        evenement: Evenement,
        details: str,
        *,
        lot_id: int | None = None,
        le: date | None = None,
    ) -> int:
        """The in-memory twin of `factures.services._changer`: returns the event's index.
        `details`: the start of the event's details in JSON, up to the return line named."""
        parties = f.parties
        if len(parties) == 1:
            cle: tuple[Any, ...] = (evenement, partie, p.etat)
        else:
            cle = (evenement, partie, *[(t, q.etat) for t, q in parties.items()])
        resultat = self._transitions.get(cle)
        if resultat is None:
            nouveaux = lifecycle.appliquer(
                f.numero, evenement, {t: q.etat for t, q in parties.items()}, partie
            )
            resultat = self._transitions[cle] = (
                nouveaux[partie],
                str(lifecycle.etat_facture(nouveaux)),
                str(evenement),
                str(partie),
                evenement in lifecycle.EVENEMENTS_D_UNE_FACTURE_RECUE,
            )
        avant = f.etat
        p.etat = resultat[0]
        p.modifiee = True
        if lot_id is not None:
            p.lot_id, p.date_transmission = lot_id, le
        f.etat = apres = resultat[1]
        if resultat[4]:
            f.deja_transmise = True
        self.factures_modifiees[f.pk] = f
        evenements = self.paquet.evenements
        evenements.append(
            (
                f.cabinet_id,
                f.pk,
                resultat[2],
                resultat[3],
                avant,
                apres,
                f"{details}{self._fin_details}{self._numero}}}",
                self._utilisateur_id,
                self._horodatage,
            )
        )
        return len(evenements) - 1

    def _journal(
        self, f: _Facture | None, cabinet_id: int, j: ledger.Journal, ev: int | None
    ) -> int:
        return self._journal_ecrit(
            f.pk if f else None,
            cabinet_id,
            (
                str(j.nature),
                self._dates(j.date),
                j.libelle[:200],
                tuple((str(e.compte), e.montant) for e in j.ecritures),
            ),
            ev,
        )

    def _journal_ecrit(
        self,
        facture_id: int | None,
        cabinet_id: int,
        j: tuple[str, Any, str, tuple[tuple[str, int], ...]],
        ev: int | None,
    ) -> int:
        nature, le, libelle, ecritures = j
        journaux = self.paquet.journaux
        n = len(journaux)
        journaux.append(
            (
                cabinet_id,
                facture_id,
                ev,
                nature,
                le,
                libelle,
                self._utilisateur_id,
                self._horodatage,
            )
        )
        ajouter = self.paquet.ecritures.append
        for compte, montant in ecritures:
            ajouter((cabinet_id, n, facture_id, compte, montant))
        return n

    def _executer(
        self,
        f: _Facture,
        p: _Partie,
        partie: TypePartie,
        payeur: Payeur,
        lue: LigneRetour,
        action: Action,
        le: date,
    ) -> None:
        montant = lue.montant_paye
        evenement = ACTIONS_DE_PAIEMENT.get(action)
        if evenement is not None:
            # _debut_details({"payeur": …, "montant": …, "moyen": …}), written out: one per
            # paid line
            ev = self._changer(
                f,
                p,
                partie,
                evenement,
                f'{{"payeur": "{payeur}", "montant": {montant}, "moyen": "{VIREMENT}", ',
            )
            self._paiement(f, payeur, montant, le, lue.reference_virement)
            self._journal_ecrit(
                f.pk, f.cabinet_id, self._paiement_au_livre(le, payeur, montant), ev
            )
            p.reste -= montant
            p.paye += montant
        elif action is Action.REJETER:
            self._changer(
                f,
                p,
                partie,
                Evenement.REJETER,
                _debut_details({"code": lue.code, "source": ELECTRONIQUE}),
            )
            self._rejet(f, partie, lue, le)
        elif action is Action.TRAITEMENT_CAISSE:
            self._changer(f, p, partie, Evenement.METTRE_EN_TRAITEMENT_CAISSE, _debut_details({}))
        elif action is Action.INDU:
            indu = -montant
            ev = self._changer(
                f,
                p,
                partie,
                Evenement.INDU,
                _debut_details({"code": lue.code, "montant": indu, "source": ELECTRONIQUE}),
            )
            self._paiement(f, payeur, montant, le, lue.reference_virement)
            motif = f"Indu {lue.code} : {lue.libelle}".strip()
            retenu = bool(lue.reference_virement)
            self._journal(
                f, f.cabinet_id, ledger.indu(f.numero, le, payeur, indu, retenu, motif), ev
            )
            self._rejet(f, partie, lue, le)
            p.reste += indu
            p.paye -= indu

    def _paiement_au_livre(
        self, le: date, payeur: Payeur, montant: int
    ) -> tuple[str, Any, str, tuple[tuple[str, int], ...]]:
        """`ledger.paiement`, memoised: its nature, date, label and postings do not depend on
        the invoice number, which the stored journal does not keep."""
        cle = (le, payeur, montant)
        journal = self._journaux_de_paiement.get(cle)
        if journal is None:
            if len(self._journaux_de_paiement) > TAILLE_MEMO:
                self._journaux_de_paiement.clear()
            j = ledger.paiement("", le, payeur, montant)
            journal = self._journaux_de_paiement[cle] = (
                str(j.nature),
                self._dates(j.date),
                j.libelle[:200],
                tuple((str(e.compte), e.montant) for e in j.ecritures),
            )
        return journal

    def _paiement(self, f: _Facture, payeur: Payeur, montant: int, le: date, ref: str) -> None:
        self.paquet.paiements.append(
            (
                f.cabinet_id,
                f.pk,
                str(payeur),
                VIREMENT,
                montant,
                self._dates(le),
                ref,
                self._horodatage,
            )
        )

    def _rejet(self, f: _Facture, partie: TypePartie, lue: LigneRetour, le: date) -> None:
        self.paquet.rejets.append(
            (
                f.cabinet_id,
                f.pk,
                str(partie),
                lue.code,
                lue.libelle,
                self._dates(le),
                ELECTRONIQUE,
                self._horodatage,
            )
        )

    def _attente(
        self, c: Correspondance, lue: LigneRetour, ligne: int, le: date, motif: str
    ) -> None:
        assert c.cabinet_id is not None
        j = self._journal(
            None,
            c.cabinet_id,
            ledger.paiement_en_attente(le, lue.montant_paye, libelle_attente(lue)),
            None,
        )
        self.attente_de_la_ligne.append(
            (
                ligne,
                (
                    c.cabinet_id,
                    str(PAYEUR_DE_LA_LIGNE[lue.partie]),
                    lue.montant_paye,
                    self._dates(le),
                    lue.reference_virement,
                    motif[:500],
                    j,
                ),
            )
        )

    # --- writing -------------------------------------------------------------------------

    def vider(self) -> None:
        """Hand the decided batch to the writer: it is written once the next batch has been
        read, or at `attendre`. The lines kept for a person are written now, for their ids."""
        self._lancer_ecriture()
        paquet = self.paquet
        if self.lignes:
            ids_l = [x.pk for x in LigneRetourModele.objects.bulk_create(self.lignes)]
            for ligne, (cabinet, *valeurs) in self.attente_de_la_ligne:
                paquet.attentes.append((cabinet, ids_l[ligne], *valeurs))
        dates = self._dates
        for f in self.factures_modifiees.values():
            for p in f.parties.values():
                if p.modifiee:
                    paquet.parties.append(
                        (p.etat.value, p.lot_id, dates(p.date_transmission), p.pk)
                    )
                    p.modifiee = False
            paquet.factures.append((f.etat, f.deja_transmise, f.pk))
        self._a_ecrire, self._en_vol = paquet, self.factures_modifiees
        self._relire |= self.lots_changes
        self._vider_tampons()

    def preparer_lecture(self, indus: bool) -> None:
        """Before the next batch reads the database. What it reads of an invoice still being
        written is taken from memory; what it needs beyond the invoices' states (what was
        paid, for an indu; the lots, for matching by lot) must be written first."""
        if indus or self._relire:
            self.attendre()

    def _lancer_ecriture(self) -> None:
        """Write the batch handed over by `vider`: in the background on PostgreSQL."""
        paquet = self._a_ecrire
        if paquet is None:
            return
        self._a_ecrire = None
        operations = self._ecrivain.preparer(paquet)
        en_vol, self._en_vol = self._en_vol, {}
        if not operations:
            return
        if self._en_fond is None:
            self._ecrivain.executer(operations)
            return
        self._en_fond.lancer(lambda: self._ecrivain.executer(operations))
        self._en_vol_fond = en_vol

    def _attendre_le_fond(self) -> None:
        if self._en_fond is not None:
            self._en_fond.attendre()
            self._en_vol_fond = {}

    def attendre(self) -> None:
        """Every batch handed over is written: the database holds everything decided."""
        self._lancer_ecriture()
        self._attendre_le_fond()
        self._relire = False

    def abandonner(self) -> BaseException | None:
        """The import fails: nothing more is written, and the writer is done before the
        transaction is rolled back; what the writer raised, if it did (the cause)."""
        self._a_ecrire, self._en_vol, self._en_vol_fond = None, {}, {}
        try:
            self._attendre_le_fond()
        except BaseException as exc:
            return exc
        return None
