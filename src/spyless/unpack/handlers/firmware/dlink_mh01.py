"""D-Link "MH01" images: a signed container around an OpenSSL-encrypted firmware.

Layout: an outer MH01 (payload + signature) whose payload is an inner MH01 holding the IV
as hex text and an ``openssl enc -aes-128-cbc -md sha256`` stream ("Salted__"). The
password is one of the keys D-Link published in its GPL source release; the decrypted
data is again an MH01 of firmware + signature. Parts: ``firmware.bin``,
``signature.bin`` (outer) and ``signature-inner.bin``. No matching key → EncryptedError.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass

from spyless.errors import EncryptedError, FormatError
from spyless.unpack.handlers.firmware._common import unpack, write_part
from spyless.unpack.handlers.firmware.dlink import aes_cbc_decrypt
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

MAGIC = b"MH01"
HEADER = 16
ENDIAN_MARKS = {b"\x2b\x1a": "<", b"\x1a\x2b": ">"}
SALTED = b"Salted__"
#: Passwords (as 32-digit hex strings) published in D-Link's GPL code for the M30/M32 family.
KEYS: tuple[int, ...] = (
    5707923367771304411745671248750824483, 10894768012899131130521331528209746922,
    15288470472677139256755126505334224030, 15684094658947152035377838769275126418,
    23335966381541562228843555154678213320, 35758204719490132865802828225969932626,
    55796085441578870022055305014635464587, 84685534971924495230307491298195576783,
    90689169725694446679934847122252508772, 102843231306613166263088836093462280018,
    104150607981510203795488864067011889082, 114757631173473038012387062720537970978,
    122827319385106288319261870763442386535, 139748439958689321791739304844787857700,
    142445184766562174893386805873110982494, 144584013712249949868423821316106489165,
    148910172501895975018656107080000705398, 171163140727944594178400326348027629941,
    197309500221805730578821584982689310215, 199166782498148755978511943517036940823,
    213332639786412688663978928290181517222, 219279812981330897991123144996530024828,
    234873100902644763633564688918487935311, 239326175726430359828602855454127173216,
    239684162915704711762592424676538179735, 263148888178757173487260489009313288379,
    263186577619268302297875910062482816281, 294812653955972892952199434070462443755,
    297229843036572496660253963048857992878, 300193495476040623797083950726943683614,
    305304365912192958248475831895023682267, 321768078914319598156789820506269093873,
    321924067544580491371387083761753396737, 332370943350405508160278293449199176550,
)


@dataclass(frozen=True, slots=True)
class Mh01:
    """One MH01 level: its payload and its trailing part (absolute offsets)."""

    start: int
    first: tuple[int, int]
    second: tuple[int, int]

    @property
    def end(self) -> int:
        return self.second[1]


def read_mh01(data: Blob, start: int) -> Mh01 | None:
    if bytes(data[start : start + 4]) != MAGIC:
        return None
    order = ENDIAN_MARKS.get(bytes(data[start + 12 : start + 14]))
    fields = unpack(f"{order}II", data, start + 4) if order else None
    if fields is None:
        return None
    second_at = start + HEADER + fields[0]
    return Mh01(start, (start + HEADER, second_at), (second_at, second_at + fields[1]))


def _openssl_key(password: bytes, salt: bytes) -> bytes:
    """EVP_BytesToKey with SHA-256 and one round: the first 16 bytes are the AES-128 key."""
    return hashlib.sha256(password + salt).digest()[:16]


def _unpad(plain: bytes) -> bytes | None:
    pad = plain[-1] if plain else 0
    if not 1 <= pad <= 16 or plain[-pad:] != bytes([pad]) * pad:
        return None
    return plain[:-pad]


def find_key(salt: bytes, iv: bytes, tail: bytes) -> int | None:
    """Index of the published key whose decryption of the last two blocks pads correctly."""
    for index, key in enumerate(KEYS):
        plain = aes_cbc_decrypt(_openssl_key(b"%032x" % key, salt), tail[:16], tail[16:])
        if _unpad(plain) is not None:
            return index
    return None


def _encrypted_part(blob: Blob, outer: Mh01) -> tuple[bytes, int, int] | None:
    """(IV, ciphertext start, ciphertext end) of the inner encrypted MH01, or None."""
    inner = read_mh01(blob, outer.first[0])
    if inner is None or inner.end > outer.first[1]:
        return None
    iv_text = bytes(blob[inner.first[0] : inner.first[1]]).strip()
    try:
        iv = binascii.unhexlify(iv_text)
    except (binascii.Error, ValueError) as e:
        raise FormatError("MH01 IV is not hexadecimal text") from e
    first, last = inner.second
    if len(iv) != 16 or bytes(blob[first : first + 8]) != SALTED:
        return None
    if (last - first - 16) % 16 or last - first < 48:
        raise EncryptedError("D-Link MH01: encrypted payload is not whole AES blocks")
    return iv, first, last


class DlinkMh01Handler(Handler):
    name = "dlink_mh01"
    category = Category.ENCRYPTED
    magics = (Magic(MAGIC),)
    description = "D-Link MH01 signed/encrypted firmware (OpenSSL AES-128-CBC, published keys)"
    priority = 10

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        outer = read_mh01(blob, start)
        if outer is None:
            return None
        if outer.end > len(blob):
            raise FormatError(f"MH01 image of {outer.end - start} bytes runs past the input")
        info = {"vendor": "D-Link", "payload_size": str(outer.first[1] - outer.first[0]),
                "signature_size": str(outer.second[1] - outer.second[0])}
        enc = _encrypted_part(blob, outer)
        if enc is not None:
            iv, first, last = enc
            index = find_key(bytes(blob[first + 8 : first + 16]), iv,
                             bytes(blob[last - 32 : last]))
            if index is None:
                raise EncryptedError(
                    f"D-Link MH01: none of the {len(KEYS)} published keys decrypts this image"
                )
            info["cipher"] = "AES-128-CBC (openssl, published key)"
            info["key_index"] = str(index)
        return Chunk(start, outer.end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        outer = read_mh01(blob, chunk.start)
        if outer is None:
            raise FormatError("MH01 header vanished between parse and extract")
        enc = _encrypted_part(blob, outer)
        if enc is None:
            write_part(sink, "firmware.bin", blob, *outer.first)
            write_part(sink, "signature.bin", blob, *outer.second)
            return None
        iv, first, last = enc
        salt = bytes(blob[first + 8 : first + 16])
        index = find_key(salt, iv, bytes(blob[last - 32 : last]))
        if index is None:
            raise EncryptedError("D-Link MH01: no published key decrypts this image")
        key = _openssl_key(b"%032x" % KEYS[index], salt)
        plain = _unpad(aes_cbc_decrypt(key, iv, bytes(blob[first + 16 : last])))
        if plain is None:
            raise EncryptedError("D-Link MH01: decryption produced invalid padding")
        write_part(sink, "signature.bin", blob, *outer.second)
        inner = read_mh01(plain, 0)
        if inner is None or inner.end > len(plain):
            sink.file("decrypted.bin", plain)
            return None
        sink.file("firmware.bin", plain[inner.first[0] : inner.first[1]])
        sink.file("signature-inner.bin", plain[inner.second[0] : inner.second[1]])
        return None
