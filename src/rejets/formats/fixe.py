"""Fixed-width record files: streaming reader and writer driven by a layout (`Disposition`).

Reading (`lire`) recognises the layout from the first record (its signature), then reads one
line at a time (flat memory): each line gives an `Enregistrement`, or a `LigneRefusee` when a
field cannot be read (the line alone is refused). Opening records are yielded too, so the
caller keeps what the enclosing levels carry (a transfer's reference for its payment lines).

Structural faults refuse the whole file with `FichierInvalide`, the only exception the reader
raises whatever the bytes: empty or binary file, wrong encoding, unknown layout or record
type, bad nesting, a level left open, a closing record whose counts or totals do not add up,
a malformed opening or closing record. Being streaming, the reader raises a late fault late:
the caller imports within a transaction and rolls back.

A refused line still counts for `compte` totals; a `somme` total is not checked for a level
where one of the summed values could not be read (its line is refused anyway).

Writing (`EcrivainFixe`) formats records with the layout's compiled formatters and writes the
closing records with their totals computed. Rules and shipped layouts:
docs/formats/dispositions.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import IO, NoReturn, TypeAlias

from rejets.formats.disposition import (
    Compilation,
    Disposition,
    EcritureRefusee,
    Enregistrement,
    Faute,
    Formateur,
    Niveau,
    TypeCompile,
    semble_utf8,
)

__all__ = [
    "Disposition",
    "EcritureRefusee",
    "EcrivainFixe",
    "Enregistrement",
    "FichierInvalide",
    "Lecture",
    "LigneRefusee",
    "lire",
    "reconnaitre",
]

_CONTROLES = bytes(range(0x20)) + b"\x7f"


class FichierInvalide(Exception):
    """Le fichier entier est refusé : `message` (en français, avec le fichier et la ligne),
    `raison` seule, `ligne` (None si la faute n'a pas de ligne)."""

    def __init__(self, nom_fichier: str, raison: str, ligne: int | None = None) -> None:
        self.nom_fichier = nom_fichier
        self.raison = raison
        self.ligne = ligne
        lieu = f"Fichier « {nom_fichier} »" + (f", ligne {ligne}" if ligne is not None else "")
        self.message = f"{lieu} : {raison}"
        super().__init__(self.message)


@dataclass(frozen=True)
class LigneRefusee:
    """Ligne refusée seule : numéro, code du type, champ fautif (None : la ligne entière),
    ce qui était attendu, message en français."""

    ligne: int
    type: str
    champ: str | None
    attendu: str
    message: str


Lecture: TypeAlias = Enregistrement | LigneRefusee


def reconnaitre(contenu: bytes, dispositions: Sequence[Disposition]) -> list[Disposition]:
    """Les dispositions dont la signature figure sur cette première ligne."""
    return [d for d in dispositions if d.compilee.reconnait(contenu)]


def _sans_fin(ligne: bytes) -> bytes:
    if ligne.endswith(b"\r\n"):
        return ligne[:-2]
    return ligne[:-1] if ligne.endswith(b"\n") else ligne


def _octet_de_controle(contenu: bytes, nom: str, numero: int) -> None:
    """FichierInvalide au premier octet de contrôle (hors fin de ligne)."""
    if len(contenu.translate(None, _CONTROLES)) == len(contenu):
        return
    colonne, octet = next((i, o) for i, o in enumerate(contenu, 1) if o < 0x20 or o == 0x7F)
    if octet == 0x0D:
        raise FichierInvalide(
            nom,
            f"retour chariot (\\r) isolé en colonne {colonne} : les fins de ligne acceptées "
            "sont \\n et \\r\\n",
            numero,
        )
    raise FichierInvalide(
        nom,
        f"contenu binaire : octet de contrôle 0x{octet:02X} en colonne {colonne} (un fichier "
        "texte à largeur fixe est attendu)",
        numero,
    )


def _premiere_disposition(
    premiere: bytes, dispositions: Sequence[Disposition], nom: str
) -> Disposition:
    """La disposition du fichier, reconnue à sa première ligne ; FichierInvalide sinon."""
    if not premiere:
        raise FichierInvalide(nom, "fichier vide")
    contenu = _sans_fin(premiere)
    _octet_de_controle(contenu, nom, 1)
    connues = ", ".join(d.identifiant for d in dispositions) or "aucune"
    if contenu.startswith(b"\xef\xbb\xbf"):
        trouvees = reconnaitre(contenu[3:], dispositions)
        attente = (
            f"la disposition {trouvees[0].identifiant} attend {trouvees[0].nom_encodage}"
            if trouvees
            else "les dispositions attendent un octet par caractère"
        )
        raise FichierInvalide(
            nom,
            f"le fichier semble encodé en UTF-8 (il commence par la marque UTF-8) ; {attente}",
            1,
        )
    trouvees = reconnaitre(contenu, dispositions)
    if len(trouvees) > 1:
        raise FichierInvalide(
            nom,
            "première ligne reconnue par plusieurs dispositions ("
            + ", ".join(d.identifiant for d in trouvees)
            + ") : leurs signatures doivent différer",
            1,
        )
    if not trouvees:
        raise FichierInvalide(
            nom,
            "disposition non reconnue : la première ligne ne porte la signature d'aucune "
            f"disposition connue ({connues})",
            1,
        )
    return trouvees[0]


@dataclass
class _Cadre:
    """Niveau ouvert : ligne d'ouverture, totaux en cours, sommes invérifiables."""

    niveau: Niveau
    ligne: int
    totaux: list[int]
    invalides: set[int] = field(default_factory=set)


class _Lecteur:
    """Chemin lent de la lecture : ouvertures, fermetures, lignes fautives ou inhabituelles."""

    def __init__(self, flux: IO[bytes], comp: Compilation, nom: str) -> None:
        self.flux, self.comp, self.nom = flux, comp, nom
        self.pile: list[_Cadre] = []
        self.fin_racine: int | None = None
        self.courant: str | None = None
        self.totaux: list[int] = comp.nouveaux_totaux()

    def faute(self, raison: str, numero: int | None) -> FichierInvalide:
        return FichierInvalide(self.nom, raison, numero)

    def verifier_octets(self, contenu: bytes, numero: int) -> None:
        """FichierInvalide si la ligne est binaire ou d'un autre encodage que la disposition."""
        comp = self.comp
        if len(contenu.translate(None, comp.interdits)) == len(contenu) and (
            comp.codec == "ascii" or not semble_utf8(contenu)
        ):
            return
        _octet_de_controle(contenu, self.nom, numero)
        d = comp.disposition
        if semble_utf8(contenu):
            raise self.faute(
                f"le fichier semble encodé en UTF-8 ; la disposition {d.identifiant} attend "
                f"{d.nom_encodage}",
                numero,
            )
        colonne, octet = next((i, o) for i, o in enumerate(contenu, 1) if o in comp.interdits)
        if comp.codec == "ascii":
            raise self.faute(
                f"octet non ASCII 0x{octet:02X} en colonne {colonne} ; la disposition "
                f"{d.identifiant} attend de l'ASCII",
                numero,
            )
        if comp.codec == "cp1252":
            raise self.faute(
                f"octet 0x{octet:02X} en colonne {colonne}, non défini en Windows-1252 "
                f"(contenu binaire ?) ; la disposition {d.identifiant} attend du Windows-1252",
                numero,
            )
        raise self.faute(
            f"contenu binaire : octet de contrôle 0x{octet:02X} (C1) en colonne {colonne} ; "
            f"la disposition {d.identifiant} attend de l'ISO-8859-1",
            numero,
        )

    def decouper(self, ligne: bytes, numero: int) -> tuple[bytes, int]:
        """(contenu sans fin de ligne, longueur en caractères) ; une ligne plus longue que la
        limite de lecture est lue jusqu'au bout par morceaux, sans la garder."""
        contenu = _sans_fin(ligne)
        self.verifier_octets(contenu, numero)
        if ligne.endswith(b"\n"):
            return contenu, len(contenu)
        longueur = len(contenu)
        limite = self.comp.largeur + 3
        while True:
            morceau = self.flux.readline(limite)
            if not morceau:
                return contenu, longueur
            reste = _sans_fin(morceau).rstrip(b"\r")
            self.verifier_octets(reste, numero)
            longueur += len(reste)
            if morceau.endswith(b"\n"):
                return contenu, longueur

    def lent(self, ligne: bytes, numero: int) -> Enregistrement | LigneRefusee | None:
        """Une ligne hors du chemin rapide ; None pour une ligne vide après la fin."""
        comp = self.comp
        contenu, longueur = self.decouper(ligne, numero)
        if self.fin_racine is not None:
            if not contenu:
                return None
            raise self.faute(
                f"données après la fin du fichier (le niveau racine est fermé ligne "
                f"{self.fin_racine})",
                numero,
            )
        if not contenu:
            raise self.faute("ligne vide", numero)
        code = contenu[comp.type_debut : comp.type_fin]
        tc = comp.types.get(code)
        if tc is None:
            montre = code.decode(comp.codec, "replace").strip()
            raise self.faute(
                f"type d'enregistrement « {montre} » inconnu de la disposition "
                f"{comp.disposition.identifiant} (colonnes {comp.type_debut + 1} à "
                f"{comp.type_fin})",
                numero,
            )
        if code in comp.ouvrants:
            return self.ouvrir(contenu, longueur, numero, tc)
        if code in comp.fermants:
            return self.fermer(contenu, longueur, numero, tc)
        niveau = self.courant
        if tc.enregistrement.niveau != niveau or niveau is None:
            raise self.faute(
                f"l'enregistrement {tc.code} ({tc.enregistrement.nom}) appartient au niveau "
                f"{tc.enregistrement.niveau}, or le niveau ouvert est {niveau}",
                numero,
            )
        if longueur != comp.largeur:
            self.compter_refus(tc, lisible=None)
            return LigneRefusee(
                numero,
                tc.code,
                None,
                f"{comp.largeur} caractères",
                f"ligne {numero} : {longueur} caractères, {comp.largeur} attendus",
            )
        try:
            return tc.convertisseurs[niveau](contenu, numero, self.totaux)
        except Faute as f:
            return self.refus(contenu, numero, f.rang, verifie=True)

    def compter_refus(self, tc: TypeCompile, lisible: bytes | None) -> None:
        """Une ligne refusée compte ; ses valeurs sommées illisibles rendent la somme du niveau
        invérifiable."""
        cadre = self.pile[-1]
        if tc.slot_compte is not None:
            cadre.totaux[tc.slot_compte] += 1
        for segment, slot in tc.slots_somme:
            if lisible is None:
                cadre.invalides.add(slot)
                continue
            try:
                valeur = self.comp.lire_segment(
                    segment, lisible[segment.debut : segment.debut + segment.longueur]
                )
            except Faute:
                cadre.invalides.add(slot)
                continue
            if valeur is not None:
                cadre.totaux[slot] += valeur

    def refus(self, contenu: bytes, numero: int, rang: int, verifie: bool = False) -> LigneRefusee:
        """Ligne de la bonne largeur dont un segment est illisible."""
        if not verifie:
            self.verifier_octets(contenu, numero)
        comp = self.comp
        tc = comp.types[contenu[comp.type_debut : comp.type_fin]]
        self.compter_refus(tc, lisible=contenu)
        segment = tc.segments[rang]
        brut = contenu[segment.debut : segment.debut + segment.longueur]
        attendu, raison = comp.raison(segment, brut)
        if segment.champ is None:
            lieu = f"colonnes {segment.debut + 1} à {segment.debut + segment.longueur}"
            return LigneRefusee(
                numero, tc.code, None, attendu, f"ligne {numero}, {lieu} : {raison}"
            )
        nom = segment.champ.nom
        return LigneRefusee(
            numero, tc.code, nom, attendu, f"ligne {numero}, champ {nom} : {raison}"
        )

    def verifier_largeur(self, quoi: str, tc: TypeCompile, longueur: int, numero: int) -> None:
        """Un enregistrement d'ouverture ou de fin a exactement la largeur de la disposition."""
        if longueur != self.comp.largeur:
            raise self.faute(
                f"enregistrement {quoi} {tc.code} ({tc.enregistrement.nom}) mal formé : "
                f"{longueur} caractères, {self.comp.largeur} attendus",
                numero,
            )

    def convertir_structure(
        self, quoi: str, tc: TypeCompile, niveau: str, contenu: bytes, numero: int, t: list[int]
    ) -> Enregistrement:
        try:
            return tc.convertisseurs[niveau](contenu, numero, t)
        except Faute as f:
            segment = tc.segments[f.rang]
            brut = contenu[segment.debut : segment.debut + segment.longueur]
            _, raison = self.comp.raison(segment, brut)
            lieu = (
                f"champ {segment.champ.nom}"
                if segment.champ is not None
                else f"colonnes {segment.debut + 1} à {segment.debut + segment.longueur}"
            )
            raise self.faute(
                f"enregistrement {quoi} {tc.code} ({tc.enregistrement.nom}) mal formé, {lieu} : "
                f"{raison}",
                numero,
            ) from None

    def ouvrir(self, contenu: bytes, longueur: int, numero: int, tc: TypeCompile) -> Enregistrement:
        niveau = self.comp.ouvrants[tc.code_octets]
        if niveau.parent is None and self.pile:
            raise self.faute(
                f"l'enregistrement {tc.code} ({tc.enregistrement.nom}) ouvre le niveau "
                f"{niveau.nom}, qui ne s'ouvre qu'une fois, en première ligne",
                numero,
            )
        if niveau.parent is not None and self.courant != niveau.parent:
            raise self.faute(
                f"l'enregistrement {tc.code} ({tc.enregistrement.nom}) ouvre un niveau "
                f"{niveau.nom}, qui se place dans le niveau {niveau.parent}, or le niveau "
                f"ouvert est {self.courant}",
                numero,
            )
        self.verifier_largeur("d'ouverture", tc, longueur, numero)
        cadre = _Cadre(niveau, numero, self.comp.nouveaux_totaux())
        e = self.convertir_structure("d'ouverture", tc, niveau.nom, contenu, numero, cadre.totaux)
        self.pile.append(cadre)
        self.courant, self.totaux = niveau.nom, cadre.totaux
        return e

    def fermer(self, contenu: bytes, longueur: int, numero: int, tc: TypeCompile) -> Enregistrement:
        if not self.pile:
            raise self.faute(
                f"l'enregistrement {tc.code} ferme un niveau, or aucun n'est ouvert", numero
            )
        cadre = self.pile[-1]
        niveau = cadre.niveau
        if niveau.ferme_par != tc.code:
            fermes = " ou ".join(self.comp.fermants[tc.code_octets])
            raise self.faute(
                f"l'enregistrement {tc.code} ({tc.enregistrement.nom}) ferme le niveau {fermes}, "
                f"or le niveau ouvert est {niveau.nom} (ouvert ligne {cadre.ligne}, fermé par "
                f"{niveau.ferme_par})",
                numero,
            )
        self.verifier_largeur("de fin", tc, longueur, numero)
        self.pile.pop()
        parent = self.pile[-1] if self.pile else None
        t = parent.totaux if parent is not None else self.comp.nouveaux_totaux()
        e = self.convertir_structure("de fin", tc, niveau.nom, contenu, numero, t)
        for total, slots in self.comp.verifications[niveau.nom]:
            if total.somme is not None and slots[0] in cadre.invalides:
                continue
            calcule = sum(cadre.totaux[s] for s in slots)
            annonce = e[total.champ]
            if annonce != calcule:
                raise self.faute(
                    f"totaux du niveau {niveau.nom} (ouvert ligne {cadre.ligne}) : "
                    f"{total.champ} = {annonce} annoncé, {calcule} trouvé ({total.decrire()})",
                    numero,
                )
        if parent is not None:
            for i, valeur in enumerate(cadre.totaux):
                parent.totaux[i] += valeur
            parent.invalides |= cadre.invalides
            self.courant, self.totaux = parent.niveau.nom, parent.totaux
        else:
            self.fin_racine = numero
            self.courant, self.totaux = None, self.comp.nouveaux_totaux()
        return e

    def terminer(self) -> None:
        """Fin du fichier : tous les niveaux doivent être fermés."""
        if self.pile:
            ouverts = " puis ".join(
                f"{c.niveau.nom} (ouvert ligne {c.ligne}, fermé par {c.niveau.ferme_par})"
                for c in reversed(self.pile)
            )
            raise self.faute(
                f"fin du fichier alors que des niveaux restent ouverts : {ouverts}", None
            )


def lire(flux: IO[bytes], dispositions: Sequence[Disposition], nom: str) -> Iterator[Lecture]:
    """Lit un fichier à largeur fixe, une ligne à la fois : une issue par ligne non vide.

    La disposition est reconnue à la première ligne parmi `dispositions` ; `nom` nomme le
    fichier dans les messages. Lignes numérotées à partir de 1 ; fins de ligne \\n ou \\r\\n.
    Seule exception levée : FichierInvalide (faute de structure, éventuellement tardive).
    """
    limite = max((d.largeur for d in dispositions), default=0) + 3
    premiere = flux.readline(limite)
    comp = _premiere_disposition(premiere, dispositions, nom).compilee
    lecteur = _Lecteur(flux, comp, nom)
    lu = lecteur.lent(premiere, 1)
    if lu is not None:
        yield lu
    largeur = comp.largeur
    fin = premiere[largeur] if len(premiere) > largeur else 10
    attendu = largeur + (2 if fin == 13 else 1)
    a, b = comp.type_debut, comp.type_fin
    par_niveau = comp.par_niveau
    convertisseurs, t = par_niveau[lecteur.courant], lecteur.totaux
    numero = 1
    for ligne in iter(partial(flux.readline, largeur + 3), b""):
        numero += 1
        if len(ligne) == attendu and ligne[largeur] == fin:
            convertir = convertisseurs.get(ligne[a:b])
            if convertir is not None:
                try:
                    yield convertir(ligne, numero, t)
                except Faute as f:
                    yield lecteur.refus(ligne[:largeur], numero, f.rang)
                continue
        lu = lecteur.lent(ligne, numero)
        if lu is not None:
            yield lu
        convertisseurs, t = par_niveau[lecteur.courant], lecteur.totaux
    lecteur.terminer()


@dataclass
class _CadreEcriture:
    niveau: Niveau
    totaux: list[int]


class EcrivainFixe:
    """Écrit un fichier selon une disposition : `ouvrir` un niveau, `ecrire` ses
    enregistrements, `fermer` le niveau le plus intérieur (totaux calculés), `terminer`.

    Une valeur impossible (type, longueur, encodage, valeur non permise) lève EcritureRefusee
    sans rien écrire ; le fichier écrit est toujours relu sans faute."""

    def __init__(self, disposition: Disposition, flux: IO[bytes]) -> None:
        self.disposition = disposition
        self._comp = comp = disposition.compilee
        self._ecrire = flux.write
        self._pile: list[_CadreEcriture] = []
        self._courant: str | None = None
        self._t: list[int] = comp.nouveaux_totaux()
        self._ouvrants = {n.ouvert_par: n for n in disposition.niveaux}
        self._ordinaires: dict[str, tuple[str | None, Formateur]] = {
            code: (tc.enregistrement.niveau, tc.formater)
            for code, tc in comp.par_code.items()
            if tc.code_octets in comp.ordinaires
        }
        self._commence = False
        self.lignes = 0

    def _refus(self, raison: str) -> EcritureRefusee:
        return EcritureRefusee(f"disposition {self.disposition.identifiant} : {raison}")

    def ouvrir(self, code: str, /, **valeurs: object) -> None:
        """Écrit l'enregistrement `code`, qui ouvre un niveau dans le niveau ouvert."""
        niveau = self._ouvrants.get(code)
        if niveau is None:
            raise self._refus(f"l'enregistrement « {code} » n'ouvre aucun niveau")
        if niveau.parent is None and self._commence:
            raise self._refus(f"le niveau {niveau.nom} s'ouvre une seule fois, en premier")
        if niveau.parent is not None and self._courant != niveau.parent:
            raise self._refus(
                f"le niveau {niveau.nom} se place dans le niveau {niveau.parent}, or le niveau "
                f"ouvert est {self._courant}"
            )
        totaux = self._comp.nouveaux_totaux()
        self._ecrire(self._comp.par_code[code].formater(valeurs, totaux))
        self._commence = True
        self._pile.append(_CadreEcriture(niveau, totaux))
        self._courant, self._t = niveau.nom, totaux
        self.lignes += 1

    def ecrire(self, code: str, /, **valeurs: object) -> None:
        """Écrit un enregistrement ordinaire du niveau ouvert."""
        entree = self._ordinaires.get(code)
        if entree is None or entree[0] != self._courant:
            self._refuser(code)
        self._ecrire(entree[1](valeurs, self._t))
        self.lignes += 1

    def _refuser(self, code: str) -> NoReturn:
        entree = self._ordinaires.get(code)
        if entree is None:
            raise self._refus(
                f"« {code} » n'est pas un enregistrement ordinaire (ouverture et fin : "
                "ouvrir et fermer)"
            )
        ouvert = (
            f"le niveau ouvert est {self._courant}"
            if self._courant
            else "aucun niveau n'est ouvert"
        )
        raise self._refus(f"l'enregistrement {code} appartient au niveau {entree[0]}, or {ouvert}")

    def fermer(self, **valeurs: object) -> None:
        """Écrit l'enregistrement de fin du niveau le plus intérieur, totaux calculés."""
        if not self._pile:
            raise self._refus("aucun niveau ouvert à fermer")
        cadre = self._pile[-1]
        niveau = cadre.niveau
        calcules: dict[str, object] = {
            total.champ: sum(cadre.totaux[s] for s in slots)
            for total, slots in self._comp.verifications[niveau.nom]
        }
        doubles = sorted(valeurs.keys() & calcules.keys())
        if doubles:
            raise self._refus(
                f"fin du niveau {niveau.nom} : {', '.join(doubles)} calculé automatiquement"
            )
        parent = self._pile[-2] if len(self._pile) > 1 else None
        t = parent.totaux if parent is not None else self._comp.nouveaux_totaux()
        self._ecrire(self._comp.par_code[niveau.ferme_par].formater({**valeurs, **calcules}, t))
        self._pile.pop()
        if parent is not None:
            for i, valeur in enumerate(cadre.totaux):
                parent.totaux[i] += valeur
            self._courant, self._t = parent.niveau.nom, parent.totaux
        else:
            self._courant, self._t = None, self._comp.nouveaux_totaux()
        self.lignes += 1

    def terminer(self) -> None:
        """Vérifie que le fichier est complet : racine ouverte puis fermée."""
        if self._pile:
            raise self._refus(f"le niveau {self._pile[-1].niveau.nom} n'est pas fermé")
        if not self._commence:
            raise self._refus("fichier vide : aucun niveau ouvert")
