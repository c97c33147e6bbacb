"""D-Link encrypted firmware containers with published keys: "encrpted_img" and "SHRS".

Both are AES-CBC with a fixed key and IV that D-Link shipped in its own firmware and that
are public; the decrypted image (usually UBI or a vendor image) is written as
``decrypted.bin``. A container that does not decrypt to anything is reported with
:class:`~spyless.errors.EncryptedError`, never dropped silently.
"""

from __future__ import annotations

import hashlib

from spyless.errors import EncryptedError, FormatError
from spyless.unpack.handlers.firmware._common import blocks, unpack
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

ENC_MAGIC = b"encrpted_img"
ENC_HEADER = 16
#: Published key and IV of the "encrpted_img" family (DIR-X1560, DIR-X5460, ...).
ENC_KEY = b"he9-4+M!)d6=m~we1,q2a3d1n&2*Z^%8"
ENC_IV = b"J%1iQl8$=lm-;8AE"
#: The images are UBI; every physical eraseblock begins with the UBI erase-counter magic.
PEB_SIZE = 0x20000
UBI_MAGIC = b"UBI#"

SHRS_MAGIC = b"SHRS"
SHRS_HEADER = 0x6DC
SHRS_IV_AT, SHRS_DIGEST_AT = 0x0C, 0x9C
#: Published AES-128 key of the "SHRS" family (DIR-3060, DIR-867, DIR-882, ...).
SHRS_KEY = bytes.fromhex("c05fbf1936c99429ce2a0781f08d6ad8")


def aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CBC without padding removal; EncryptedError when the cipher library is missing."""
    try:
        from cryptography.hazmat.primitives.ciphers import (  # noqa: PLC0415 - optional
            Cipher,
            algorithms,
            modes,
        )
    except ImportError as e:
        raise EncryptedError("AES support needs the 'cryptography' package") from e
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


class DlinkEncrptedImgHandler(Handler):
    name = "dlink_encrpted_img"
    category = Category.ENCRYPTED
    magics = (Magic(ENC_MAGIC),)
    description = "D-Link 'encrpted_img' firmware (AES-256-CBC, published key), decrypted"
    priority = 10

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        head = unpack(">12sI", blob, start)
        if head is None or head[0] != ENC_MAGIC:
            return None
        size = head[1]
        if size == 0 or start + ENC_HEADER + size > len(blob):
            raise FormatError(
                f"encrpted_img claims {size} bytes of ciphertext; "
                f"{len(blob) - start - ENC_HEADER} are present"
            )
        if size % 16:
            raise EncryptedError(
                f"D-Link encrpted_img: ciphertext of {size} bytes is not whole AES blocks; "
                "not the known AES-CBC variant"
            )
        info = {"vendor": "D-Link", "cipher": "AES-256-CBC (published key)", "size": str(size)}
        return Chunk(start, start + ENC_HEADER + size, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        if chunk.end is None:
            raise FormatError("encrpted_img chunk without an end")
        with sink.open("decrypted.bin") as out:
            if out is None:
                return None
            chain = ENC_IV
            for pos in range(chunk.start + ENC_HEADER, chunk.end, PEB_SIZE):
                sink.check()
                piece = bytes(blob[pos : min(pos + PEB_SIZE, chunk.end)])
                plain = aes_cbc_decrypt(ENC_KEY, chain, piece)
                if not plain.startswith(UBI_MAGIC):
                    # Each eraseblock may have been encrypted afresh from the IV.
                    restarted = aes_cbc_decrypt(ENC_KEY, ENC_IV, piece[:16])
                    if restarted.startswith(UBI_MAGIC):
                        plain = restarted + plain[16:]
                out.write(plain)
                chain = piece[-16:]
        return None


class DlinkShrsHandler(Handler):
    name = "dlink_shrs"
    category = Category.ENCRYPTED
    magics = (Magic(SHRS_MAGIC),)
    description = "D-Link 'SHRS' firmware (AES-128-CBC, published key), decrypted"
    priority = 10

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        head = unpack(">4sII", blob, start)
        if head is None or head[0] != SHRS_MAGIC or start + SHRS_HEADER > len(blob):
            return None
        _, size, unpadded = head
        if unpadded > size or size == 0:
            return None
        data = start + SHRS_HEADER
        if data + size > len(blob):
            raise FormatError(f"SHRS image of {size} bytes runs past the end of the input")
        digest = hashlib.sha512()
        for piece in blocks(blob, data, data + unpadded):
            digest.update(piece)
        stored = bytes(blob[start + SHRS_DIGEST_AT : start + SHRS_DIGEST_AT + 64])
        if digest.digest() != stored:
            return None  # the encrypted-data digest is what tells a real header from noise
        if size % 16:
            raise EncryptedError("D-Link SHRS: ciphertext is not whole AES blocks")
        info = {"vendor": "D-Link", "cipher": "AES-128-CBC (published key)",
                "size": str(size), "plain_size": str(unpadded)}
        return Chunk(start, data + size, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        if chunk.end is None:
            raise FormatError("SHRS chunk without an end")
        head = unpack(">4sII16s", blob, chunk.start)
        if head is None:
            raise FormatError("SHRS header vanished between parse and extract")
        remaining = head[2]
        iv = head[3]
        with sink.open("decrypted.bin") as out:
            if out is None:
                return None
            for pos in range(chunk.start + SHRS_HEADER, chunk.end, PEB_SIZE):
                sink.check()
                piece = bytes(blob[pos : min(pos + PEB_SIZE, chunk.end)])
                plain = aes_cbc_decrypt(SHRS_KEY, iv, piece)
                iv = piece[-16:]
                out.write(plain[:remaining])
                remaining -= min(remaining, len(plain))
        return None
