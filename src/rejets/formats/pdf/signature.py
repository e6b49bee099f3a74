"""Image de la signature numérisée du praticien : contrôle à l'enregistrement et préparation.

Règles du projet : PNG ou JPEG seulement, 1 Mo au plus (1 048 576 octets), au moins
50 × 20 px et au plus 3000 × 3000 px. Le format est reconnu à la signature du fichier
(octets de tête), puis l'image est entièrement décodée : un fichier tronqué ou endommagé est
refusé avec un message en français, jamais une erreur interne de Pillow.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeAlias

from PIL import Image

__all__ = [
    "HAUTEUR_MIN",
    "LARGEUR_MIN",
    "PIXELS_MAX",
    "TAILLE_MAX_OCTETS",
    "FormatSignature",
    "ImageSignature",
    "ImageSignatureRefusee",
    "image_pour_impression",
    "verifier_image_signature",
]

FormatSignature: TypeAlias = Literal["PNG", "JPEG"]

TAILLE_MAX_OCTETS = 1024 * 1024
LARGEUR_MIN = 50
HAUTEUR_MIN = 20
PIXELS_MAX = 3000
COTE_MAX_IMPRESSION = 1200
"""Plus grand côté de l'image placée dans le PDF (environ 400 dpi dans le cadre de signature)."""

_ENTETE_PNG = b"\x89PNG\r\n\x1a\n"
_ENTETE_JPEG = b"\xff\xd8\xff"
_PREFIXE = "Image de signature refusée : "


class ImageSignatureRefusee(ValueError):
    """Image de signature qui ne respecte pas les règles du projet ; message en français."""


@dataclass(frozen=True)
class ImageSignature:
    """Image de signature acceptée : format et dimensions en pixels."""

    format: FormatSignature
    largeur: int
    hauteur: int


def _format_annonce(octets: bytes) -> FormatSignature:
    if octets.startswith(_ENTETE_PNG):
        return "PNG"
    if octets.startswith(_ENTETE_JPEG):
        return "JPEG"
    raise ImageSignatureRefusee(_PREFIXE + "ce fichier n'est ni un PNG ni un JPEG.")


def _illisible(format_image: FormatSignature) -> ImageSignatureRefusee:
    return ImageSignatureRefusee(
        _PREFIXE + f"ce fichier {format_image} est illisible, tronqué ou endommagé."
    )


def _trop_grande(largeur: int | None = None, hauteur: int | None = None) -> ImageSignatureRefusee:
    taille = f" ({largeur} × {hauteur} px)" if largeur is not None else ""
    return ImageSignatureRefusee(
        _PREFIXE + f"image trop grande{taille} ; au plus {PIXELS_MAX} × {PIXELS_MAX} px."
    )


def _ouvrir(octets: bytes, format_image: FormatSignature) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(octets), formats=[format_image])
        except Image.DecompressionBombError:
            raise _trop_grande() from None
        except Exception as erreur:  # tout défaut de décodage devient un refus en français
            raise _illisible(format_image) from erreur


def _verifier(octets: bytes) -> tuple[ImageSignature, Image.Image]:
    if not isinstance(octets, bytes):
        raise TypeError(f"L'image de signature doit être des bytes, pas {type(octets).__name__}.")
    if not octets:
        raise ImageSignatureRefusee(_PREFIXE + "le fichier est vide.")
    if len(octets) > TAILLE_MAX_OCTETS:
        raise ImageSignatureRefusee(
            _PREFIXE + f"le fichier pèse {len(octets)} octets ; "
            f"au plus 1 Mo ({TAILLE_MAX_OCTETS} octets)."
        )
    format_image = _format_annonce(octets)
    image = _ouvrir(octets, format_image)
    largeur, hauteur = image.size
    if largeur < LARGEUR_MIN or hauteur < HAUTEUR_MIN:
        raise ImageSignatureRefusee(
            _PREFIXE + f"image trop petite ({largeur} × {hauteur} px) ; "
            f"au moins {LARGEUR_MIN} × {HAUTEUR_MIN} px."
        )
    if largeur > PIXELS_MAX or hauteur > PIXELS_MAX:
        raise _trop_grande(largeur, hauteur)
    try:
        if format_image == "PNG":
            # verify() contrôle les sommes CRC et la fin du fichier ; il faut ensuite rouvrir.
            image.verify()
            image = Image.open(io.BytesIO(octets), formats=[format_image])
        image.load()
    except Exception as erreur:  # tout défaut de décodage devient un refus en français
        raise _illisible(format_image) from erreur
    return ImageSignature(format_image, largeur, hauteur), image


def verifier_image_signature(octets: bytes) -> ImageSignature:
    """Contrôle une image de signature : PNG ou JPEG, ≤ 1 Mo, de 50 × 20 à 3000 × 3000 px.

    Règles du projet (module ``rejets.formats.pdf.signature``). Lève
    ``ImageSignatureRefusee`` avec un message en français pour tout autre fichier, y
    compris tronqué ou endommagé.
    """
    return _verifier(octets)[0]


@lru_cache(maxsize=4)
def image_pour_impression(octets: bytes) -> Image.Image:
    """Image RVB prête pour le PDF : transparence posée sur fond blanc, 1200 px au plus.

    Contrôle d'abord l'image (``verifier_image_signature``). Le résultat est partagé entre
    appels identiques : ne pas le modifier.
    """
    image = _verifier(octets)[1]
    try:
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            rvb = Image.new("RGB", rgba.size, (255, 255, 255))
            rvb.paste(rgba, mask=rgba.getchannel("A"))
        else:
            rvb = image.convert("RGB")
    except Exception as erreur:  # mode de couleurs que Pillow ne sait pas convertir
        raise ImageSignatureRefusee(
            _PREFIXE + f"les couleurs de ce {image.format} ne peuvent pas être converties."
        ) from erreur
    rvb.thumbnail((COTE_MAX_IMPRESSION, COTE_MAX_IMPRESSION), Image.Resampling.LANCZOS)
    return rvb
