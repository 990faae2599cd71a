# Matches with PCRE2 as libselinux does, for the translation tests of
# pkg/fcontext: each pattern is compiled as "^" + PATTERN + "$" with
# PCRE2_DOTALL, and matched against whole subjects.
#
# Usage: /usr/bin/python3 pcre2.py
# Reads lines "p HEXPATTERN" and "s HEXSUBJECT" on stdin. For a pattern it
# writes "ok" or "err ERRORCODE"; for a subject, matched against the last
# pattern that compiled, "1" or "0" (or "err RC" if matching failed).
import ctypes
import sys

lib = ctypes.CDLL("libpcre2-8.so.0")
lib.pcre2_compile_8.restype = ctypes.c_void_p
lib.pcre2_compile_8.argtypes = [
    ctypes.c_char_p,
    ctypes.c_size_t,
    ctypes.c_uint32,
    ctypes.POINTER(ctypes.c_int),
    ctypes.POINTER(ctypes.c_size_t),
    ctypes.c_void_p,
]
lib.pcre2_code_free_8.argtypes = [ctypes.c_void_p]
lib.pcre2_match_data_create_from_pattern_8.restype = ctypes.c_void_p
lib.pcre2_match_data_create_from_pattern_8.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
lib.pcre2_match_data_free_8.argtypes = [ctypes.c_void_p]
lib.pcre2_match_8.argtypes = [
    ctypes.c_void_p,
    ctypes.c_char_p,
    ctypes.c_size_t,
    ctypes.c_size_t,
    ctypes.c_uint32,
    ctypes.c_void_p,
    ctypes.c_void_p,
]

PCRE2_DOTALL = 0x00000020
PCRE2_ERROR_NOMATCH = -1

code = None
data = None
out = sys.stdout
for line in sys.stdin:
    kind, _, hexval = line.rstrip("\n").partition(" ")
    value = bytes.fromhex(hexval)
    if kind == "p":
        if code:
            lib.pcre2_match_data_free_8(data)
            lib.pcre2_code_free_8(code)
            code = None
        regex = b"^" + value + b"$"
        err = ctypes.c_int()
        offset = ctypes.c_size_t()
        code = lib.pcre2_compile_8(regex, len(regex), PCRE2_DOTALL, ctypes.byref(err), ctypes.byref(offset), None)
        if code:
            data = lib.pcre2_match_data_create_from_pattern_8(code, None)
            out.write("ok\n")
        else:
            out.write("err %d\n" % err.value)
    else:
        rc = lib.pcre2_match_8(code, value, len(value), 0, 0, data, None)
        if rc >= 0:
            out.write("1\n")
        elif rc == PCRE2_ERROR_NOMATCH:
            out.write("0\n")
        else:
            out.write("err %d\n" % rc)
out.flush()
