"""The set-based path of an import: the same decisions as the line-by-line services, the same
rows (states, events, payments, rejections, journals, postings), written in batches.

Per batch: the matched invoices and their parts come from the matching query; what each
payer still owes comes from the part's state where the state says it (`ETATS_DUS_EN_ENTIER`),
else from the book, and what it paid is read only for a batch holding an indu. Each line is
decided in file order with `rejets.domain.rapprochement.decider` and `rejets.domain.lifecycle`
on that in-memory copy; the journals come from `rejets.domain.ledger`. A test imports the same
files both ways and compares every row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
from rejets.factures.services import PARTIE_DU_PAYEUR, PAYEUR_DE_LA_PARTIE
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
CleTransition = tuple[Evenement, tuple[tuple[TypePartie, Etat], ...], TypePartie]


@dataclass
class _Partie:
    pk: int
    etat: Etat
    lot_id: int | None
    date_transmission: date | None
    modifiee: bool = False


@dataclass
class _Facture:
    pk: int
    numero: str
    cabinet_id: int
    professionnel_id: int
    etat: str
    deja_transmise: bool
    parties: dict[TypePartie, _Partie] = field(default_factory=dict)
    reste: dict[Payeur, int] = field(default_factory=dict)
    paye: dict[Payeur, int] = field(default_factory=dict)
    modifiee: bool = False


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


def _colonnes(modele: type[Model], noms: Sequence[str]) -> list[str]:
    return [str(modele._meta.get_field(n).column) for n in noms]  # type: ignore[union-attr]


class _Table:
    """Rows of one table waiting to be written, with ids reserved beforehand when other rows
    point to them."""

    def __init__(self, modele: type[Model], champs: Sequence[str], avec_id: bool) -> None:
        self.modele = modele
        self.champs = list(champs)
        self.avec_id = avec_id
        self.lignes: list[list[Any]] = []
        colonnes = (["id"] if avec_id else []) + _colonnes(modele, champs)
        table = connection.ops.quote_name(modele._meta.db_table)
        liste = ", ".join(connection.ops.quote_name(c) for c in colonnes)
        self.sql = f"INSERT INTO {table} ({liste}) VALUES ({', '.join(['%s'] * len(colonnes))})"
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
    """Ids for rows about to be inserted in this transaction. On SQLite the transaction holds
    the only write lock, so the next ids are free; on PostgreSQL they come from the sequence."""
    if not nombre:
        return []
    table = modele._meta.db_table
    with connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            curseur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, nombre],
            )
            return [r[0] for r in curseur.fetchall()]
        curseur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        debut = curseur.fetchone()[0] + 1
    return list(range(debut, debut + nombre))


class IngestionEnBloc:
    def __init__(self, fichier_id: int, utilisateur: User, le_fichier: date) -> None:
        self.fichier_id = fichier_id
        self.utilisateur = utilisateur
        self.le_fichier = le_fichier
        self.lots: dict[tuple[int, int, str, str], int] = {}
        self._numero = 0
        self._ops = connection.ops
        self._cache_dates: dict[date | None, Any] = {}
        self._journaux_de_paiement: dict[tuple[date, Payeur, int], ledger.Journal] = {}
        self._transitions: dict[
            tuple[Evenement, tuple[tuple[TypePartie, Etat], ...], TypePartie], tuple[Etat, str]
        ] = {}
        self._vider_tampons()

    def _vider_tampons(self) -> None:
        self._horodatage = connection.ops.adapt_datetimefield_value(timezone.now())
        self.evenements = _Table(
            EvenementFacture,
            [
                "cabinet",
                "facture",
                "evenement",
                "partie",
                "etat_avant",
                "etat_apres",
                "details",
                "utilisateur",
                "horodatage",
            ],
            avec_id=True,
        )
        self.journaux = _Table(
            Journal,
            [
                "cabinet",
                "facture",
                "evenement",
                "nature",
                "date",
                "libelle",
                "utilisateur",
                "cree_le",
            ],
            avec_id=True,
        )
        self.ecritures = _Table(
            Ecriture, ["cabinet", "journal", "facture", "compte", "montant"], avec_id=False
        )
        self.paiements = _Table(
            Paiement,
            ["cabinet", "facture", "payeur", "moyen", "montant", "date", "reference", "cree_le"],
            avec_id=False,
        )
        self.rejets = _Table(
            Rejet,
            ["cabinet", "facture", "partie", "code", "libelle", "date", "source", "cree_le"],
            avec_id=False,
        )
        self.lignes: list[LigneRetourModele] = []
        self.attentes = _Table(
            PaiementEnAttente,
            ["cabinet", "ligne", "payeur", "montant", "date", "reference", "motif", "journal"],
            avec_id=False,
        )
        self.journal_de_l_evenement: list[tuple[int, int | None]] = []
        self.ecritures_du_journal: list[tuple[int, int, int | None, str, int]] = []
        self.attente_de_la_ligne: list[tuple[int, int, list[Any]]] = []
        self.factures_modifiees: dict[int, _Facture] = {}

    def _dates(self, d: date | None) -> Any:
        try:
            return self._cache_dates[d]
        except KeyError:
            if len(self._cache_dates) > TAILLE_MEMO:
                self._cache_dates.clear()
            valeur = self._cache_dates[d] = self._ops.adapt_datefield_value(d)
            return valeur

    def _maintenant(self) -> Any:
        return self._horodatage

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
        and, when the batch holds an indu, has paid (payments less indus)."""
        if not ids:
            return {}
        q = connection.ops.quote_name
        factures: dict[int, _Facture] = {}
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
            for facture_id, numero, cabinet, prof, etat_f, transmise, *partie in lues:
                pk, type_, etat_p, lot_id, date_tr, montant = partie
                f = factures.get(facture_id)
                if f is None:
                    f = factures[facture_id] = _Facture(
                        facture_id, numero, cabinet, prof, etat_f, bool(transmise)
                    )
                if isinstance(date_tr, str):
                    date_tr = date.fromisoformat(date_tr)
                type_partie, etat = TYPES[type_], ETATS[etat_p]
                f.parties[type_partie] = _Partie(pk, etat, lot_id, date_tr)
                if etat in lifecycle.ETATS_DUS_EN_ENTIER:
                    f.reste[PAYEUR_DE_LA_PARTIE[type_partie]] = montant
                else:
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
                    lue = factures[facture_id].parties.get(PARTIE_DU_PAYEUR[payeur])
                    if lue is None or lue.etat not in lifecycle.ETATS_DUS_EN_ENTIER:
                        factures[facture_id].reste[payeur] = int(montant)
            if not indus:
                return factures
            condition, parametres = parmi("facture_id", sorted(ids))
            c.execute(
                f"SELECT facture_id, payeur, SUM(montant) FROM {q(Paiement._meta.db_table)} "
                f"WHERE {condition} AND payeur IN (%s, %s) GROUP BY facture_id, payeur",
                [*parametres, Payeur.AMO.value, Payeur.AMC.value],
            )
            for facture_id, payeur, montant in c.fetchall():
                factures[facture_id].paye[Payeur(payeur)] = int(montant)
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
        factures = self._charger(
            {c.facture_id for c in correspondances if c.facture_id},
            indus=any(c.ligne.montant_paye < 0 for c in correspondances),  # type: ignore[union-attr]
            lues=lues,
        )
        for c in correspondances:
            lue = c.ligne
            assert isinstance(lue, LigneRetour)
            le = lue.date_virement or self.le_fichier
            if c.facture_id is None:
                n = self._ligne(c, StatutLigne.NON_RAPPROCHEE, c.motif)
                if lue.montant_paye:
                    self._attente(c, lue, n, le, c.motif)
                statuts.append(StatutLigne.NON_RAPPROCHEE)
                continue
            f = factures[c.facture_id]
            partie = PARTIE_DE_LA_LIGNE[lue.partie]
            payeur = PAYEUR_DE_LA_LIGNE[lue.partie]
            p = f.parties.get(partie)
            s = (
                None
                if p is None
                else Situation(p.etat, f.reste.get(payeur, 0), f.paye.get(payeur, 0))
            )
            decision = decider(lue, s)
            if decision.action is Action.ATTENTE:
                n = self._ligne(c, StatutLigne.EN_ATTENTE_AFFECTATION, decision.motif)
                self._attente(c, lue, n, le, decision.motif)
                statuts.append(StatutLigne.EN_ATTENTE_AFFECTATION)
                continue
            if decision.action is Action.A_EXAMINER:
                self._ligne(c, StatutLigne.NON_RAPPROCHEE, decision.motif)
                statuts.append(StatutLigne.NON_RAPPROCHEE)
                continue
            assert p is not None
            self._numero = lue.numero
            if lue.numero_lot and p.etat is Etat.EXPORTEE:
                lot_id = self._lot(f, partie, lue.numero_lot)
                self._changer(
                    f, partie, Evenement.TRANSMETTRE, {"lot": lue.numero_lot}, lot_id=lot_id, le=le
                )
            self._executer(f, partie, payeur, lue, decision.action, le)
            statuts.append(StatutLigne.APPLIQUEE)
        return statuts

    def _lot(self, f: _Facture, partie: TypePartie, numero: str) -> int:
        cle = (f.cabinet_id, f.professionnel_id, partie.value, numero)
        if cle not in self.lots:
            lot, _ = Lot.objects.get_or_create(
                cabinet_id=f.cabinet_id,
                professionnel_id=f.professionnel_id,
                type_partie=partie,
                numero=numero,
            )
            self.lots[cle] = lot.pk
        return self.lots[cle]

    def _changer(
        self,
        f: _Facture,
        partie: TypePartie,
        evenement: Evenement,
        details: dict[str, Any],
        *,
        lot_id: int | None = None,
        le: date | None = None,
    ) -> int:
        """The in-memory twin of `factures.services._changer`: returns the event's index."""
        avant = f.etat
        etats = tuple((t, p.etat) for t, p in f.parties.items())
        cle = (evenement, etats, partie)
        resultat = self._transitions.get(cle)
        if resultat is None:
            nouveaux = lifecycle.appliquer(f.numero, evenement, dict(etats), partie)
            resultat = self._transitions[cle] = (
                nouveaux[partie],
                lifecycle.etat_facture(nouveaux).value,
            )
        p = f.parties[partie]
        p.etat, p.modifiee = resultat[0], True
        if lot_id is not None:
            p.lot_id, p.date_transmission = lot_id, le
        f.etat = resultat[1]
        if evenement in lifecycle.EVENEMENTS_D_UNE_FACTURE_RECUE:
            f.deja_transmise = True
        f.modifiee = True
        self.factures_modifiees[f.pk] = f
        return self.evenements.ajouter(
            [
                f.cabinet_id,
                f.pk,
                evenement.value,
                partie.value,
                avant,
                f.etat,
                en_json({**details, "fichier": self.fichier_id, "ligne": self._numero}),
                self.utilisateur.pk,
                self._maintenant(),
            ]
        )

    def _journal(
        self, f: _Facture | None, cabinet_id: int, j: ledger.Journal, ev: int | None
    ) -> int:
        n = self.journaux.ajouter(
            [
                cabinet_id,
                f.pk if f else None,
                None,
                j.nature.value,
                self._dates(j.date),
                j.libelle[:200],
                self.utilisateur.pk,
                self._maintenant(),
            ]
        )
        self.journal_de_l_evenement.append((n, ev))
        for e in j.ecritures:
            self.ecritures_du_journal.append(
                (n, cabinet_id, f.pk if f else None, e.compte.value, e.montant)
            )
        return n

    def _executer(
        self,
        f: _Facture,
        partie: TypePartie,
        payeur: Payeur,
        lue: LigneRetour,
        action: Action,
        le: date,
    ) -> None:
        montant = lue.montant_paye
        if action in {Action.PAYER, Action.PAYER_PARTIELLEMENT}:
            ev = self._changer(
                f,
                partie,
                Evenement.PAYER if action is Action.PAYER else Evenement.PAYER_PARTIELLEMENT,
                {"payeur": payeur.value, "montant": montant, "moyen": str(MoyenPaiement.VIREMENT)},
            )
            self._paiement(f, payeur, montant, le, lue.reference_virement)
            self._journal(f, f.cabinet_id, self._paiement_au_livre(le, payeur, montant), ev)
            f.reste[payeur] = f.reste.get(payeur, 0) - montant
            f.paye[payeur] = f.paye.get(payeur, 0) + montant
        elif action is Action.REJETER:
            self._changer(
                f,
                partie,
                Evenement.REJETER,
                {"code": lue.code, "source": str(SourceRejet.ELECTRONIQUE)},
            )
            self._rejet(f, partie, lue, le)
        elif action is Action.TRAITEMENT_CAISSE:
            self._changer(f, partie, Evenement.METTRE_EN_TRAITEMENT_CAISSE, {})
        elif action is Action.INDU:
            indu = -montant
            ev = self._changer(
                f,
                partie,
                Evenement.INDU,
                {"code": lue.code, "montant": indu, "source": str(SourceRejet.ELECTRONIQUE)},
            )
            self._paiement(f, payeur, montant, le, lue.reference_virement)
            motif = f"Indu {lue.code} : {lue.libelle}".strip()
            retenu = bool(lue.reference_virement)
            self._journal(
                f, f.cabinet_id, ledger.indu(f.numero, le, payeur, indu, retenu, motif), ev
            )
            self._rejet(f, partie, lue, le)
            f.reste[payeur] = f.reste.get(payeur, 0) + indu
            f.paye[payeur] = f.paye.get(payeur, 0) - indu

    def _paiement_au_livre(self, le: date, payeur: Payeur, montant: int) -> ledger.Journal:
        """`ledger.paiement`, memoised: its nature, date, label and postings do not depend on
        the invoice number, which the stored journal does not keep."""
        cle = (le, payeur, montant)
        journal = self._journaux_de_paiement.get(cle)
        if journal is None:
            if len(self._journaux_de_paiement) > TAILLE_MEMO:
                self._journaux_de_paiement.clear()
            journal = self._journaux_de_paiement[cle] = ledger.paiement("", le, payeur, montant)
        return journal

    def _paiement(self, f: _Facture, payeur: Payeur, montant: int, le: date, ref: str) -> None:
        self.paiements.ajouter(
            [
                f.cabinet_id,
                f.pk,
                payeur.value,
                MoyenPaiement.VIREMENT.value,
                montant,
                self._dates(le),
                ref,
                self._maintenant(),
            ]
        )

    def _rejet(self, f: _Facture, partie: TypePartie, lue: LigneRetour, le: date) -> None:
        self.rejets.ajouter(
            [
                f.cabinet_id,
                f.pk,
                partie.value,
                lue.code,
                lue.libelle,
                self._dates(le),
                SourceRejet.ELECTRONIQUE.value,
                self._maintenant(),
            ]
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
                j,
                [
                    c.cabinet_id,
                    None,
                    PAYEUR_DE_LA_LIGNE[lue.partie].value,
                    lue.montant_paye,
                    self._dates(le),
                    lue.reference_virement,
                    motif[:500],
                    None,
                ],
            )
        )

    # --- writing -------------------------------------------------------------------------

    def vider(self) -> None:
        """Write the buffered rows, parents before children, then the new states."""
        ids_ev = reserver_ids(EvenementFacture, len(self.evenements.lignes))
        self.evenements.ecrire(ids_ev)
        for n, ev in self.journal_de_l_evenement:
            self.journaux.lignes[n][2] = ids_ev[ev] if ev is not None else None
        ids_j = reserver_ids(Journal, len(self.journaux.lignes))
        self.journaux.ecrire(ids_j)
        for n, cabinet_id, facture_id, compte, montant in self.ecritures_du_journal:
            self.ecritures.ajouter([cabinet_id, ids_j[n], facture_id, compte, montant])
        self.ecritures.ecrire(None)
        self.paiements.ecrire(None)
        self.rejets.ecrire(None)
        ids_l = [x.pk for x in LigneRetourModele.objects.bulk_create(self.lignes)]
        for ligne, j, valeurs in self.attente_de_la_ligne:
            valeurs[1], valeurs[7] = ids_l[ligne], ids_j[j]
            self.attentes.ajouter(valeurs)
        self.attentes.ecrire(None)
        mettre_a_jour(
            Partie,
            {"etat": "varchar(24)", "lot_id": "bigint", "date_transmission": "date"},
            [
                (p.etat.value, p.lot_id, self._dates(p.date_transmission), p.pk)
                for f in self.factures_modifiees.values()
                for p in f.parties.values()
                if p.modifiee
            ],
        )
        mettre_a_jour(
            Facture,
            {"etat": "varchar(24)", "deja_transmise": "boolean"},
            [(f.etat, f.deja_transmise, f.pk) for f in self.factures_modifiees.values()],
        )
        self._vider_tampons()


def mettre_a_jour(
    modele: type[Model], colonnes: dict[str, str], lignes: Sequence[Sequence[Any]]
) -> None:
    """Set columns of many rows by id (the id last in each row): one prepared UPDATE on
    SQLite; on PostgreSQL a COPY into a temporary table, analysed so that the UPDATE … FROM
    reaches the rows by id instead of scanning the table."""
    if not lignes:
        return
    table = connection.ops.quote_name(modele._meta.db_table)
    noms = list(colonnes)
    with connection.cursor() as curseur:
        if connection.vendor != "postgresql":
            affectations = ", ".join(f"{c} = %s" for c in noms)
            curseur.executemany(f"UPDATE {table} SET {affectations} WHERE id = %s", lignes)
            return
        temporaire = f"maj_{modele._meta.db_table}"
        definition = ", ".join(f"{c} {t}" for c, t in colonnes.items())
        curseur.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temporaire} ({definition}, id bigint) "
            "ON COMMIT DROP"
        )
        with curseur.cursor.copy(f"COPY {temporaire} ({', '.join(noms)}, id) FROM STDIN") as f:
            for ligne in lignes:
                f.write_row(ligne)
        curseur.execute(f"ANALYZE {temporaire}")
        affectations = ", ".join(f"{c} = m.{c}" for c in noms)
        curseur.execute(
            f"UPDATE {table} t SET {affectations} FROM {temporaire} m WHERE t.id = m.id"
        )
        curseur.execute(f"DELETE FROM {temporaire}")
