#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Seed corpora and fixed data for the fuzz targets, taken from the
conformance vectors at build time. Standard library only.

  gen-fuzz-data.py seeds KIND OUTDIR VECTORS.json...
      KIND: attestation-object, authenticator-data, cose-key, client-data
  gen-fuzz-data.py http OUTDIR COMMON.h VECTORS.json...
      raw HTTP requests for fuzz-http, one or more for every route, with
      the tenant's credentials from COMMON.h (fuzz-http-common.h) and the
      vectors' credentials in the ceremony bodies
  gen-fuzz-data.py bridge-options OUTDIR
      bodies of the relay's messages for create() and get(), as the
      page's shim writes them (buffers as base64url)
  gen-fuzz-data.py header OUT.h VECTORS.json...
      RP IDs, origins and attestation roots of the vectors, as C arrays,
      so that the registration fuzzer accepts what the vectors are about
      and gets past the RP ID check into the attestation formats.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import sys
import urllib.parse


def b64url(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def b64(text):
    return base64.b64decode(text + '=' * (-len(text) % 4))


def cbor_item_len(buf, off=0, depth=0):
    """Length of the CBOR item at buf[off:], or None if it is malformed."""
    if off >= len(buf) or depth > 32:
        return None
    major, info = buf[off] >> 5, buf[off] & 0x1f
    head = 1
    if info < 24:
        arg = info
    elif info <= 27:
        n = 1 << (info - 24)
        if off + 1 + n > len(buf):
            return None
        arg = int.from_bytes(buf[off + 1:off + 1 + n], 'big')
        head += n
    elif info == 31 and major in (2, 3, 4, 5):
        pos = off + 1
        count = 0
        while pos < len(buf) and buf[pos] != 0xff:
            n = cbor_item_len(buf, pos, depth + 1)
            if n is None:
                return None
            pos += n
            count += 1
        if pos >= len(buf) or (major == 5 and count % 2):
            return None
        return pos + 1 - off
    else:
        return None
    if major in (0, 1, 7):
        return head
    if major in (2, 3):
        return head + arg if off + head + arg <= len(buf) else None
    if major == 6:
        n = cbor_item_len(buf, off + head, depth + 1)
        return None if n is None else head + n
    pos = off + head
    for _ in range(arg * 2 if major == 5 else arg):
        n = cbor_item_len(buf, pos, depth + 1)
        if n is None:
            return None
        pos += n
    return pos - off


def cbor_decode(buf, off=0):
    """A small decoder, enough for attestation objects: (value, next offset)."""
    major, info = buf[off] >> 5, buf[off] & 0x1f
    off += 1
    if info < 24:
        arg = info
    elif info <= 27:
        n = 1 << (info - 24)
        arg = int.from_bytes(buf[off:off + n], 'big')
        off += n
    else:
        raise ValueError('indefinite or reserved length')
    if major == 0:
        return arg, off
    if major == 1:
        return -1 - arg, off
    if major == 2:
        return bytes(buf[off:off + arg]), off + arg
    if major == 3:
        return bytes(buf[off:off + arg]).decode('utf-8', 'replace'), off + arg
    if major == 4:
        items = []
        for _ in range(arg):
            value, off = cbor_decode(buf, off)
            items.append(value)
        return items, off
    if major == 5:
        items = {}
        for _ in range(arg):
            key, off = cbor_decode(buf, off)
            value, off = cbor_decode(buf, off)
            items[key if isinstance(key, (int, str)) else repr(key)] = value
        return items, off
    if major == 6:
        return cbor_decode(buf, off)
    return arg, off


def auth_data_of(attestation_object):
    try:
        value, _ = cbor_decode(attestation_object)
        auth_data = value.get('authData') if isinstance(value, dict) else None
        return auth_data if isinstance(auth_data, bytes) else None
    except (ValueError, IndexError, AttributeError):
        return None


def cose_key_of(auth_data):
    """The credential public key in authenticator data with the AT flag."""
    if len(auth_data) < 55 or not auth_data[32] & 0x40:
        return None
    id_len = int.from_bytes(auth_data[53:55], 'big')
    start = 55 + id_len
    n = cbor_item_len(auth_data, start)
    return auth_data[start:start + n] if n else None


def load_cases(paths):
    for path in paths:
        with open(path, encoding='utf-8') as f:
            for case in json.load(f)['cases']:
                yield case


def strings_of(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def seeds(kind, paths):
    out = []
    for case in load_cases(paths):
        response = case['credential']['response']
        client_data = b64url(response['clientDataJSON'])
        object_ = b64url(response['attestationObject']) if 'attestationObject' in response else None
        auth_datas = []
        if object_ is not None:
            auth_datas.append(auth_data_of(object_))
        if 'authenticatorData' in response:
            auth_datas.append(b64url(response['authenticatorData']))
        auth_datas = [a for a in auth_datas if a]

        if kind == 'attestation-object' and object_ is not None:
            out.append(object_)
            # The fuzzer's second form: the vector's own clientDataJSON,
            # a NUL, then the object, so that signatures can verify.
            out.append(client_data + b'\0' + object_)
        elif kind == 'authenticator-data':
            out.extend(auth_datas)
        elif kind == 'cose-key':
            out.extend(k for k in map(cose_key_of, auth_datas) if k)
            stored = case.get('storedCredential', {}).get('publicKey')
            for text in (stored, case.get('expectedCredentialPublicKey')):
                if text:
                    out.append(b64url(text))
        elif kind == 'client-data':
            out.append(client_data)
    return out


def write_seeds(kind, outdir, paths):
    blobs = seeds(kind, paths)
    if not blobs:
        sys.exit(f'no {kind} seeds in {paths}')
    write_blobs(outdir, blobs)


def http_defines(header):
    with open(header, encoding='utf-8') as f:
        return dict(re.findall(r'^#define (FUZZ_HTTP_\w+)\s+"([^"]*)"', f.read(), re.M))


def http_seeds(header, paths):
    d = http_defines(header)
    token, length = d['FUZZ_HTTP_TOKEN'], d['FUZZ_HTTP_LENGTH']
    origin, user = d['FUZZ_HTTP_ORIGIN'], d['FUZZ_HTTP_USER_ID']
    b64 = lambda text: base64.b64encode(text.encode()).decode()
    tenant = 'Basic ' + b64(d['FUZZ_HTTP_TENANT_ID'])
    tenant_colon = 'Basic ' + b64(d['FUZZ_HTTP_TENANT_ID'] + ':')
    secret = 'Basic ' + b64(d['FUZZ_HTTP_SECRET_KEY'] + ':')
    bearer = 'Bearer ' + token

    def request(method, path, auth=None, body=None, headers=()):
        lines = [f'{method} {path} HTTP/1.1', 'Host: localhost', f'Origin: {origin}',
                 'User-Agent: fuzz-http']
        if auth:
            lines.append(f'Authorization: {auth}')
        lines.extend(headers)
        if body is not None:
            text = body if isinstance(body, str) else json.dumps(body, separators=(',', ':'))
            lines += ['Content-Type: application/json', f'Content-Length: {length}']
        else:
            text = ''
        return ('\r\n'.join(lines) + '\r\n\r\n' + text).encode()

    registration, authentication = None, None
    for case in load_cases(paths):
        response = case['credential']['response']
        if registration is None and 'attestationObject' in response:
            registration = case['credential']
        if authentication is None and 'authenticatorData' in response:
            authentication = case['credential']

    out = []
    for web in ('', '/web'):
        client = '/v1/client'
        out += [
            request('POST', f'{client}/challenge{web}', tenant, {'action': 'signIn'}),
            request('POST', f'{client}/challenge{web}', tenant_colon,
                    {'action': 'signIn', 'idempotencyKey': 'k-1'}),
            request('POST', f'{client}/user-authenticators/passkey/registration-options{web}',
                    bearer, {'username': 'alice', 'authenticatorAttachment': 'platform'}),
            request('POST', f'{client}/user-authenticators/passkey{web}', bearer,
                    {'registrationCredential': registration, 'conditionalCreate': False,
                     'challengeId': '00000000-0000-4000-8000-000000000000'}),
            request('POST', f'{client}/user-authenticators/passkey/authentication-options{web}',
                    tenant, {}),
            request('POST', f'{client}/user-authenticators/passkey/authentication-options{web}',
                    bearer, {'challengeId': '00000000-0000-4000-8000-000000000000'}),
            request('POST', f'{client}/verify/passkey{web}', tenant,
                    {'authenticationCredential': authentication, 'deviceId': 'device-1',
                     'challengeId': '00000000-0000-4000-8000-000000000000'}),
            request('OPTIONS', f'{client}/challenge{web}', headers=(
                'Access-Control-Request-Method: POST',
                'Access-Control-Request-Headers: authorization, content-type')),
        ]
    users = f'/v1/users/{user}'
    out += [
        request('GET', '/v1/client/user-authenticators/passkey?credentialIds=AAAA,-R85HbTJ',
                tenant, headers=('Content-Type: application/json',)),
        request('GET', '/v1/client/user-authenticators', bearer),
        request('POST', f'{users}/actions/signIn', secret,
                {'idempotencyKey': 'k-2', 'username': 'alice', 'displayName': 'Alice',
                 'scope': 'add:authenticators', 'custom': {'plan': 'free'}}),
        request('POST', '/v1/validate', secret, {'token': token, 'action': 'signUp'}),
        request('GET', '/v1/users?username=alice&limit=5&lastEvaluatedUserId=a', secret),
        request('GET', users, secret),
        request('PATCH', users, secret, {'username': 'alice2', 'displayName': 'Alice Two'}),
        request('DELETE', '/v1/users/someone-else', secret),
        request('GET', f'{users}/authenticators', secret),
        request('DELETE', f'{users}/authenticators/00000000-0000-4000-8000-000000000000', secret),
        request('GET', f'{users}/actions/signUp/k-1', secret),
        request('PATCH', f'{users}/actions/signIn/k-2', secret, {'state': 'ALLOW'}),
        request('GET', f'{users}/actions?fromDate=2024-01-31T12:00:00Z&codes=signIn,signUp'
                       '&state=ALLOW', secret),
        request('GET', '/'),
        request('HEAD', '/sesame.js'),
        request('GET', '/v1/nothing/here', tenant),
        request('PUT', '/v1/validate', secret, {}),
        # The request line and framing themselves.
        b'POST /v1/validate HTTP/1.1\r\nHost: localhost\r\nAuthorization: ' + secret.encode() +
        b'\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n'
        b'2\r\n{}\r\n0\r\n\r\n',
        b'GET /v1/users HTTP/1.0\r\n\r\n',
    ]
    return out


def write_http_seeds(outdir, header, paths):
    write_blobs(outdir, http_seeds(header, paths))


def bridge_options_seeds():
    def b64u(data):
        return base64.urlsafe_b64encode(data).rstrip(b'=').decode()

    challenge = b64u(hashlib.sha256(b'challenge').digest())
    user_id = b64u(b'user-1234')
    cred_id = b64u(hashlib.sha256(b'credential').digest())
    create = {
        'rp': {'name': 'Sesame'},
        'user': {'id': user_id, 'name': 'alice', 'displayName': 'Alice'},
        'challenge': challenge,
        'pubKeyCredParams': [{'type': 'public-key', 'alg': -7}, {'type': 'public-key', 'alg': -257}],
    }
    full = dict(create, rp={'name': 'Sesame', 'id': 'localhost'}, timeout=60000,
                excludeCredentials=[{'type': 'public-key', 'id': cred_id,
                                     'transports': ['internal', 'hybrid']}],
                authenticatorSelection={'authenticatorAttachment': 'platform',
                                        'residentKey': 'required', 'requireResidentKey': True,
                                        'userVerification': 'required'},
                attestation='direct', extensions={'credProps': True}, hints=['client-device'])
    suffix = dict(create, rp={'name': 'Example', 'id': 'example.co.uk'},
                  user={'id': user_id, 'name': 'bob@example.co.uk', 'displayName': 'Bob \u00e9'},
                  authenticatorSelection={'residentKey': 'discouraged',
                                          'userVerification': 'discouraged'},
                  attestation='none', pubKeyCredParams=[])
    get = {'challenge': challenge}
    get_full = {'challenge': challenge, 'rpId': 'localhost', 'timeout': 1.5e4,
                'userVerification': 'preferred',
                'allowCredentials': [{'type': 'public-key', 'id': cred_id, 'transports': ['usb']},
                                     {'type': 'other', 'id': cred_id}]}
    get_suffix = {'challenge': challenge, 'rpId': 'login.example.co.uk', 'allowCredentials': []}
    bodies = [
        {'kind': 'create', 'id': 1, 'publicKey': create},
        {'kind': 'create', 'id': 2, 'publicKey': full},
        {'kind': 'create', 'id': 3, 'publicKey': suffix},
        {'kind': 'get', 'id': 4, 'publicKey': get},
        {'kind': 'get', 'id': 5, 'publicKey': get_full},
        {'kind': 'get', 'id': 6, 'publicKey': get_suffix, 'mediation': 'conditional'},
    ]
    return [json.dumps(b, separators=(',', ':')).encode() for b in bodies]


def write_blobs(outdir, blobs):
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    for blob in blobs:
        name = hashlib.sha1(blob).hexdigest()
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(blob)


def c_string(data):
    return '"' + ''.join(f'\\x{b:02x}' for b in data) + '"'


def c_text(text):
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def write_header(out, paths):
    rp_ids, origins, roots = set(), set(), {}
    for case in load_cases(paths):
        origins.update(strings_of(case.get('expectedOrigin')))
        rp_ids.update(strings_of(case.get('expectedRPID')))
        for origin in strings_of(case.get('expectedOrigin')):
            host = urllib.parse.urlsplit(origin).hostname
            if host:
                rp_ids.add(host)
        for text in case.get('attestationRootCertificates', []):
            der = b64(text)
            roots[hashlib.sha1(der).hexdigest()] = der
        for pems in case.get('referenceRootCertificatesPEM', {}).values():
            for pem in pems:
                body = ''.join(line for line in pem.strip().splitlines()
                               if line and not line.startswith('-----'))
                der = b64(body)
                roots[hashlib.sha1(der).hexdigest()] = der

    lines = [
        '/* Generated by gen-fuzz-data.py from the conformance vectors: do not edit. */',
        '#pragma once',
        '',
        '#include <stddef.h>',
        '',
        'static const char * const fuzz_rp_ids[] = {',
        *[f'  {c_text(r)},' for r in sorted(rp_ids)],
        '  NULL',
        '};',
        '',
        'static const char * const fuzz_origins[] = {',
        *[f'  {c_text(o)},' for o in sorted(origins)],
        '  NULL',
        '};',
        '',
        'static const struct { const unsigned char *der; size_t len; } fuzz_roots[] = {',
        *[f'  {{ (const unsigned char *) {c_string(der)}, {len(der)} }},'
          for _, der in sorted(roots.items())],
        '};',
        '',
    ]
    with open(out, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))


def main(argv):
    if len(argv) >= 4 and argv[1] == 'seeds':
        write_seeds(argv[2], argv[3], argv[4:])
    elif len(argv) == 3 and argv[1] == 'bridge-options':
        write_blobs(argv[2], bridge_options_seeds())
    elif len(argv) >= 4 and argv[1] == 'http':
        write_http_seeds(argv[2], argv[3], argv[4:])
    elif len(argv) >= 3 and argv[1] == 'header':
        write_header(argv[2], argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
