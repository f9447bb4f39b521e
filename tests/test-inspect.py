#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the real sesame-inspect as a developer would, on the conformance
vectors and the bundled examples, and checks what it prints and how it exits.

Usage: test-inspect.py PATH-TO-SESAME-INSPECT   (TAP on standard output)

The expected values are worked out here, independently of the C code: a small
CBOR reader below decodes attestation objects and authenticator data so that
flags, AAGUIDs, keys and certificates are compared with the bytes themselves.
"""

import base64
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, 'vectors')
SOURCE_ROOT = os.path.dirname(HERE)
EXAMPLES = os.path.join(SOURCE_ROOT, 'data', 'examples')

EXIT_VERIFIED, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def load_cases(name):
    with open(os.path.join(VECTORS, name), encoding='utf-8') as f:
        return {case['name']: case for case in json.load(f)['cases']}


REGISTRATION = load_cases('registration.json')
AUTHENTICATION = load_cases('authentication.json')


# Decoding, independent of the code under test

def b64url_decode(text):
    text = text.rstrip('=')
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).decode().rstrip('=')


def cbor_decode(data, pos=0):
    """Returns (item, position after it). Enough CBOR for WebAuthn."""
    initial = data[pos]
    major, info = initial >> 5, initial & 31
    pos += 1
    if info < 24:
        value = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        value = int.from_bytes(data[pos:pos + size], 'big')
        pos += size
    else:
        raise ValueError('indefinite lengths are not expected here')
    if major == 0:
        return value, pos
    if major == 1:
        return -1 - value, pos
    if major == 2:
        return bytes(data[pos:pos + value]), pos + value
    if major == 3:
        return data[pos:pos + value].decode('utf-8'), pos + value
    if major == 4:
        items = []
        for _ in range(value):
            item, pos = cbor_decode(data, pos)
            items.append(item)
        return items, pos
    if major == 5:
        pairs = {}
        for _ in range(value):
            key, pos = cbor_decode(data, pos)
            pairs[key], pos = cbor_decode(data, pos)
        return pairs, pos
    if major == 6:
        return cbor_decode(data, pos)
    return {20: False, 21: True, 22: None}.get(value, value), pos


def parse_auth_data(data):
    parsed = {
        'flags': data[32],
        'signCount': int.from_bytes(data[33:37], 'big'),
    }
    if data[32] & 0x40:
        parsed['aaguid'] = str(uuid.UUID(bytes=data[37:53]))
        id_len = int.from_bytes(data[53:55], 'big')
        parsed['credentialId'] = b64url_encode(data[55:55 + id_len])
        _, end = cbor_decode(data, 55 + id_len)
        parsed['cose'] = b64url_encode(data[55 + id_len:end])
    return parsed


def der_header(data, pos):
    """Returns (tag, content start, content length) of the element at pos."""
    tag, length = data[pos], data[pos + 1]
    if length < 0x80:
        return tag, pos + 2, length
    size = length & 0x7f
    return tag, pos + 2 + size, int.from_bytes(data[pos + 2:pos + 2 + size], 'big')


def certificate_serial(der):
    _, pos, _ = der_header(der, 0)          # Certificate
    _, pos, _ = der_header(der, pos)        # TBSCertificate
    tag, start, length = der_header(der, pos)
    if tag == 0xa0:                         # [0] version
        tag, start, length = der_header(der, start + length)
    return int.from_bytes(der[start:start + length], 'big', signed=True)


def attestation_object(case):
    data = b64url_decode(case['credential']['response']['attestationObject'])
    return cbor_decode(data)[0]


# Running the tool

class Run:
    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.json = None

    def describe(self):
        return 'sesame-inspect %s\nexit %s\nstdout: %s\nstderr: %s' % (
            ' '.join(shlex.quote(a) for a in self.args), self.returncode,
            self.stdout[:2000], self.stderr[:2000])


class Failure(Exception):
    pass


def check(condition, message, run=None):
    if not condition:
        raise Failure(message + ('\n' + run.describe() if run else ''))


def inspect(args, stdin=None, cwd=None):
    process = subprocess.run([BINARY] + list(args), input=stdin, cwd=cwd,
                             capture_output=True, timeout=60)
    run = Run(args, process.returncode, process.stdout.decode('utf-8', 'replace'),
              process.stderr.decode('utf-8', 'replace'))
    check(process.returncode in (EXIT_VERIFIED, EXIT_REJECTED, EXIT_USAGE),
          'unexpected exit status (crash?)', run)
    if process.returncode == EXIT_USAGE:
        check(run.stdout == '', 'a usage error printed to standard output', run)
        check(run.stderr.strip() != '', 'a usage error printed no message', run)
    else:
        check(run.stderr == '', 'standard error is for usage problems only', run)
        try:
            run.json = json.loads(run.stdout)
        except ValueError as e:
            raise Failure('standard output is not JSON: %s\n%s' % (e, run.describe()))
        check(isinstance(run.json, dict), 'output is not one JSON object', run)
        verdict = run.json.get('verdict', {})
        check(verdict.get('verified') is (process.returncode == EXIT_VERIFIED),
              'verdict.verified does not match the exit status', run)
    return run


def expect_verified(run):
    check(run.returncode == EXIT_VERIFIED, 'expected exit 0 (verified)', run)
    check('error' not in run.json['verdict'], 'a verified verdict carries an error', run)


def expect_rejected(run, error):
    check(run.returncode == EXIT_REJECTED, 'expected exit 1 (rejected)', run)
    verdict = run.json['verdict']
    check(verdict.get('error') == error,
          'expected verdict.error %r, got %r' % (error, verdict.get('error')), run)
    check(isinstance(verdict.get('message'), str) and verdict['message'],
          'a rejection has no message', run)


def expect_usage(run, *words):
    check(run.returncode == EXIT_USAGE, 'expected exit 2 (usage error)', run)
    for word in words:
        check(word in run.stderr, 'the usage message does not mention %r' % word, run)


def write_credential(directory, case, name='credential.json'):
    path = os.path.join(directory, name)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(case['credential'], f)
    return path


def common_args(case, origins=None, challenge=None, rp_ids=None):
    args = []
    # A vector without an RP ID still needs one on the command line.
    for rp_id in rp_ids or case['expectedRPID'] or ['rp.invalid']:
        args += ['--rp-id', rp_id]
    for origin in origins or case['expectedOrigin']:
        args += ['--origin', origin]
    args += ['--challenge', case['expectedChallenge'] if challenge is None else challenge]
    if case.get('allowCrossOrigin'):
        args.append('--allow-cross-origin')
    return args


def registration_args(case, path, **kwargs):
    return ['registration'] + common_args(case, **kwargs) + [path]


def authentication_args(case, path, counter=None, public_key=None, **kwargs):
    stored = case['storedCredential']
    return (['authentication'] + common_args(case, **kwargs) +
            ['--public-key', stored['publicKey'] if public_key is None else public_key,
             '--counter', str(stored['counter'] if counter is None else counter), path])


# Tests

TESTS = []


def test(function):
    TESTS.append(function)
    return function


@test
def registration_verified_shows_decoded_content(tmp):
    case = REGISTRATION['w3c/none-es256']
    obj = attestation_object(case)
    auth_data = parse_auth_data(obj['authData'])
    run = inspect(registration_args(case, write_credential(tmp, case)))
    expect_verified(run)
    out = run.json
    check(out['ceremony'] == 'registration', 'ceremony', run)
    check(out['credentialId'] == case['credential']['id'], 'credentialId', run)
    client_data = json.loads(b64url_decode(case['credential']['response']['clientDataJSON']))
    for member in ('type', 'challenge', 'origin'):
        check(out['clientData'][member] == client_data[member], 'clientData.' + member, run)
    ad = out['authenticatorData']
    flags = auth_data['flags']
    check(ad['flags']['value'] == flags, 'flags value', run)
    for name, bit in (('userPresent', 0x01), ('userVerified', 0x04), ('backupEligible', 0x08),
                      ('backedUp', 0x10), ('attestedCredentialData', 0x40),
                      ('extensionData', 0x80)):
        check(ad['flags'][name] is bool(flags & bit), 'flag ' + name, run)
    check(ad['signCount'] == auth_data['signCount'], 'signCount', run)
    check(ad['aaguid'] == auth_data['aaguid'], 'aaguid', run)
    check(ad['credentialId'] == auth_data['credentialId'], 'authenticatorData.credentialId', run)
    key = ad['credentialPublicKey']
    check(key['cose'] == case['expectedCredentialPublicKey'], 'credentialPublicKey.cose', run)
    check((key['kty'], key['alg'], key['algName'], key['crv']) == ('EC2', -7, 'ES256', 'P-256'),
          'credentialPublicKey kty/alg/crv', run)
    att = out['attestation']
    check((att['fmt'], att['type'], att['certificates']) == ('none', 'none', []),
          'attestation fmt/type/certificates', run)


@test
def registration_packed_lists_certificates(tmp):
    case = REGISTRATION['w3c/packed-es256']
    x5c = attestation_object(case)['attStmt']['x5c']
    run = inspect(registration_args(case, write_credential(tmp, case)))
    expect_verified(run)
    att = run.json['attestation']
    check(att['fmt'] == 'packed' and att['type'] == 'basic', 'fmt/type', run)
    check(att['alg'] == -7 and att['algName'] == 'ES256', 'attStmt alg', run)
    check(att['trustAnchored'] is False, 'no anchors given, yet trustAnchored', run)
    check(isinstance(att['trustDetail'], str), 'trustDetail', run)
    certificates = att['certificates']
    check(len(certificates) == len(x5c) == 1, 'certificate count', run)
    leaf = certificates[0]
    check(base64.b64decode(leaf['der']) == x5c[0], 'der is not the x5c certificate', run)
    check('CN=WebAuthn test vectors' in leaf['subject'], 'subject', run)
    check('OU=Authenticator Attestation,' in leaf['subject'], 'subject OU', run)
    check('OU=Authenticator Attestation CA' in leaf['issuer'], 'issuer', run)
    check(leaf['notBefore'] == '2024-01-01T00:00:00Z', 'notBefore', run)
    check(leaf['notAfter'] == '3024-01-01T00:00:00Z', 'notAfter', run)
    check(int(leaf['serial'], 16) == certificate_serial(x5c[0]), 'serial', run)


@test
def registration_trust_anchor_and_time(tmp):
    case = REGISTRATION['w3c/packed-es256']
    args = registration_args(case, write_credential(tmp, case))
    anchor = os.path.join(EXAMPLES, 'webauthn-test-vectors-ca.pem')
    run = inspect(args[:-1] + ['--trust-anchor', anchor, args[-1]])
    expect_verified(run)
    check(run.json['attestation']['trustAnchored'] is True, 'the path should reach the CA', run)
    # Before the CA's validity the path no longer reaches it.
    run = inspect(args[:-1] + ['--trust-anchor', anchor, '--time', '2023-06-01T00:00:00Z',
                               args[-1]])
    check(run.json['attestation']['trustAnchored'] is False, '--time is not applied', run)
    expect_usage(inspect(args[:-1] + ['--time', 'yesterday', args[-1]]), '--time')
    expect_usage(inspect(args[:-1] + ['--trust-anchor', os.path.join(tmp, 'none.pem'),
                                      args[-1]]), '--trust-anchor')


@test
def authentication_verified(tmp):
    case = AUTHENTICATION['w3c/none-es256']
    auth_data = parse_auth_data(b64url_decode(case['credential']['response']['authenticatorData']))
    run = inspect(authentication_args(case, write_credential(tmp, case)))
    expect_verified(run)
    out = run.json
    check(out['ceremony'] == 'authentication', 'ceremony', run)
    check('attestation' not in out, 'an authentication has no attestation', run)
    check(out['clientData']['type'] == 'webauthn.get', 'clientData.type', run)
    check(out['authenticatorData']['flags']['value'] == auth_data['flags'], 'flags', run)
    verdict = out['verdict']
    check(verdict['signCount'] == auth_data['signCount'], 'verdict.signCount', run)
    check(verdict['userVerified'] is bool(auth_data['flags'] & 0x04), 'userVerified', run)
    check(verdict['backupEligible'] is bool(auth_data['flags'] & 0x08), 'backupEligible', run)
    check(verdict['backedUp'] is bool(auth_data['flags'] & 0x10), 'backedUp', run)


@test
def authentication_counter_regression(tmp):
    case = AUTHENTICATION['w3c/none-es256']
    path = write_credential(tmp, case)
    run = inspect(authentication_args(case, path, counter=1))
    expect_rejected(run, 'sign_count_regression')
    check(run.json['authenticatorData']['signCount'] == 0, 'content still shown', run)
    # Around a real counter: the stored count must be strictly below the new one.
    case = AUTHENTICATION['simplewebauthn/verify-an-assertion-response']
    path = write_credential(tmp, case, 'counted.json')
    sign_count = parse_auth_data(
        b64url_decode(case['credential']['response']['authenticatorData']))['signCount']
    check(sign_count > 0, 'vector has no counter')
    expect_verified(inspect(authentication_args(case, path, counter=sign_count - 1)))
    expect_rejected(inspect(authentication_args(case, path, counter=sign_count)),
                    'sign_count_regression')
    expect_rejected(inspect(authentication_args(case, path, counter=4294967295)),
                    'sign_count_regression')


@test
def counter_parses_strictly(tmp):
    case = AUTHENTICATION['w3c/none-es256']
    path = write_credential(tmp, case)
    for bad in ('-1', '+1', ' 1', '12abc', '0x10', '4294967296', '1e3', ''):
        expect_usage(inspect(authentication_args(case, path, counter=bad)), '--counter')


@test
def wrong_origin_is_rejected_and_still_decoded(tmp):
    case = REGISTRATION['w3c/none-es256']
    run = inspect(registration_args(case, write_credential(tmp, case),
                                    origins=['https://evil.example']))
    expect_rejected(run, 'origin_mismatch')
    message = run.json['verdict']['message']
    check('https://evil.example' in message and 'https://example.org' in message,
          'the message should name both origins', run)
    check(run.json['clientData']['origin'] == 'https://example.org', 'clientData shown', run)
    check(run.json['authenticatorData']['aaguid'] == parse_auth_data(
        attestation_object(case)['authData'])['aaguid'], 'authenticatorData shown', run)
    check(run.json['attestation']['fmt'] == 'none', 'attestation fmt shown', run)
    check(run.json['attestation']['type'] is None, 'type is unknown when not verified', run)
    # Any one of several origins will do, wherever it comes in the list; and
    # with none matching, the message names every origin that was accepted.
    path = write_credential(tmp, case)
    for origins in (['https://evil.example', 'https://example.org'],
                    ['https://example.org', 'https://evil.example']):
        expect_verified(inspect(registration_args(case, path, origins=origins)))
    run = inspect(registration_args(case, path, origins=['https://a.example',
                                                         'https://b.example']))
    expect_rejected(run, 'origin_mismatch')
    check('https://a.example' in run.json['verdict']['message'] and
          'https://b.example' in run.json['verdict']['message'], 'every origin named', run)


@test
def several_rp_ids(tmp):
    case = REGISTRATION['simplewebauthn/support-multiple-possible-RP-IDs']
    path = write_credential(tmp, case)
    rp_ids = case['expectedRPID']
    check(len(rp_ids) == 2, 'vector should name two RP IDs')
    expect_verified(inspect(registration_args(case, path, rp_ids=rp_ids)))
    expect_verified(inspect(registration_args(case, path, rp_ids=rp_ids[::-1])))
    expect_rejected(inspect(registration_args(case, path, rp_ids=['simplewebauthn.dev'])),
                    'rp_id_mismatch')


@test
def wrong_challenge_is_rejected(tmp):
    case = AUTHENTICATION['w3c/none-es256']
    other = b64url_encode(bytes(range(32)))
    run = inspect(authentication_args(case, write_credential(tmp, case), challenge=other))
    expect_rejected(run, 'challenge_mismatch')
    message = run.json['verdict']['message']
    check(other in message and case['expectedChallenge'] in message,
          'the message should name both challenges', run)


@test
def require_uv_rejects_a_response_without_uv(tmp):
    case = AUTHENTICATION['py_webauthn/raises_exception_on_uv_required_but_false']
    path = write_credential(tmp, case)
    args = authentication_args(case, path)
    check('--require-uv' not in args, 'helper added --require-uv')
    run = inspect(args)
    expect_verified(run)
    check(run.json['authenticatorData']['flags']['userVerified'] is False, 'UV flag', run)
    expect_rejected(inspect(args[:-1] + ['--require-uv', path]), 'user_not_verified')
    case = REGISTRATION['w3c/none-es256']
    args = registration_args(case, write_credential(tmp, case, 'registration.json'))
    expect_rejected(inspect(args[:-1] + ['--require-uv', args[-1]]), 'user_not_verified')


@test
def reads_standard_input(tmp):
    case = REGISTRATION['w3c/none-es256']
    path = write_credential(tmp, case)
    from_file = inspect(registration_args(case, path))
    with open(path, 'rb') as f:
        from_stdin = inspect(registration_args(case, '-'), stdin=f.read())
    expect_verified(from_stdin)
    check(from_stdin.json == from_file.json, 'standard input and file differ', from_stdin)


@test
def malformed_json_is_a_bad_credential(tmp):
    case = REGISTRATION['w3c/none-es256']
    for name, content in (('truncated.json', '{"id": "abc", "response": {'),
                          ('empty.json', ''), ('array.json', '[1, 2, 3]'),
                          ('no-response.json',
                           '{"id": "AA", "rawId": "AA", "type": "public-key"}')):
        path = os.path.join(tmp, name)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(content)
        run = inspect(registration_args(case, path))
        expect_rejected(run, 'bad_credential')
    # An assertion is not a registration response.
    auth = AUTHENTICATION['w3c/none-es256']
    expect_rejected(inspect(registration_args(case, write_credential(tmp, auth))),
                    'bad_credential')


@test
def broken_parts_are_decoded_independently(tmp):
    case = json.loads(json.dumps(REGISTRATION['w3c/none-es256']))
    case['credential']['response']['clientDataJSON'] = b64url_encode(b'{"type": 1}')
    run = inspect(registration_args(case, write_credential(tmp, case)))
    expect_rejected(run, 'bad_client_data')
    check(run.json['clientData'].get('error') == 'bad_client_data', 'clientData error', run)
    check(run.json['authenticatorData']['flags']['attestedCredentialData'] is True,
          'authenticatorData should still be decoded', run)
    # A leaf certificate that is not DER: rejected, yet fmt and the bytes are shown.
    case = json.loads(json.dumps(REGISTRATION['w3c/packed-es256']))
    data = b64url_decode(case['credential']['response']['attestationObject'])
    leaf = attestation_object(case)['attStmt']['x5c'][0]
    at = data.index(leaf)
    data = data[:at] + b'\x31' + data[at + 1:]
    case['credential']['response']['attestationObject'] = b64url_encode(data)
    run = inspect(registration_args(case, write_credential(tmp, case, 'bad-cert.json')))
    check(run.returncode == EXIT_REJECTED, 'a broken certificate was accepted', run)
    att = run.json['attestation']
    check(att['fmt'] == 'packed' and len(att['certificates']) == 1, 'fmt/certificates', run)
    check(att['certificates'][0].get('error') == 'bad_attestation_statement' and
          base64.b64decode(att['certificates'][0]['der'])[0] == 0x31,
          'the broken certificate should be listed with an error', run)
    broken = REGISTRATION['py_webauthn/raises_useful_error_on_bad_attestation_object']
    run = inspect(registration_args(broken, write_credential(tmp, broken, 'broken.json')))
    check(run.returncode == EXIT_REJECTED, 'expected a rejection', run)
    check('type' in run.json['clientData'], 'clientData should still be decoded', run)
    check('error' in run.json['attestation'], 'attestation should say why it is missing', run)


@test
def missing_required_options(tmp):
    case = REGISTRATION['w3c/none-es256']
    args = registration_args(case, write_credential(tmp, case))
    for option in ('--rp-id', '--origin', '--challenge'):
        at = args.index(option)
        expect_usage(inspect(args[:at] + args[at + 2:]), option)
    expect_usage(inspect(args[:-1]), 'FILE')
    auth = AUTHENTICATION['w3c/none-es256']
    args = authentication_args(auth, write_credential(tmp, auth, 'auth.json'))
    at = args.index('--public-key')
    expect_usage(inspect(args[:at] + args[at + 2:]), '--public-key')
    # Options of the other ceremony are not accepted.
    expect_usage(inspect(args[:1] + ['--trust-anchor', 'x.pem'] + args[1:]), '--trust-anchor')


@test
def bad_base64url_challenge(tmp):
    case = REGISTRATION['w3c/none-es256']
    path = write_credential(tmp, case)
    for bad in ('AMMPt4Ux+GTS/ncd', 'not base64url', 'A', ''):
        expect_usage(inspect(registration_args(case, path, challenge=bad)), '--challenge')


@test
def unknown_or_missing_subcommand(tmp):
    case = REGISTRATION['w3c/none-es256']
    path = write_credential(tmp, case)
    expect_usage(inspect(['verify'] + registration_args(case, path)[1:]), 'verify')
    expect_usage(inspect([]))


@test
def nonexistent_file(tmp):
    case = REGISTRATION['w3c/none-es256']
    missing = os.path.join(tmp, 'does-not-exist.json')
    expect_usage(inspect(registration_args(case, missing)), missing)
    expect_usage(inspect(registration_args(case, tmp)), tmp)


@test
def public_key_must_be_a_cose_key(tmp):
    case = AUTHENTICATION['w3c/none-es256']
    path = write_credential(tmp, case)
    # A CBOR map that is no key, CBOR with trailing bytes, and not base64url.
    for bad, words in ((b64url_encode(bytes([0xa1, 0x01, 0x02])), ('--public-key', 'COSE key')),
                       ('AAAA', ('--public-key', 'COSE key')),
                       ('pQEC!', ('--public-key', 'base64url'))):
        expect_usage(inspect(authentication_args(case, path, public_key=bad)), *words)


@test
def help_names_the_exit_codes(tmp):
    for command, option in (('registration', '--trust-anchor'), ('authentication', '--counter')):
        process = subprocess.run([BINARY, command, '--help'], capture_output=True, timeout=60)
        text = process.stdout.decode('utf-8', 'replace')
        check(process.returncode == 0, '%s --help failed: %r' % (command, process.stderr))
        check('Exit status' in text and '--rp-id' in text and option in text,
              '%s --help lacks exit codes or options:\n%s' % (command, text))
        check(re.search(r'^\s*2\s+usage error', text, re.M) is not None,
              '%s --help does not explain exit 2:\n%s' % (command, text))


@test
def every_registration_vector_decodes(tmp):
    # Whatever the verdict, the tool decodes each vector and never crashes;
    # the certificates it lists are the ones in the statement.
    for name, case in REGISTRATION.items():
        path = write_credential(tmp, case, 'sweep.json')
        run = inspect(registration_args(case, path))
        if case.get('fmt') in (None, '?'):
            continue
        att = run.json['attestation']
        check(att.get('fmt') == case['fmt'], '%s: fmt' % name, run)
        x5c = attestation_object(case)['attStmt'].get('x5c')
        if x5c is not None:
            ders = [base64.b64decode(c['der']) for c in att['certificates']]
            check(ders == x5c, '%s: certificates are not x5c' % name, run)
        elif case['fmt'] == 'android-safetynet':
            check(len(att['certificates']) > 0 and 'subject' in att['certificates'][0],
                  '%s: no certificates from the JWS header' % name, run)


def readme_commands():
    with open(os.path.join(EXAMPLES, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    commands = []
    for block in re.findall(r'```sh\n(.*?)```', text, re.S):
        for command in block.replace('\\\n', ' ').splitlines():
            if command.startswith('sesame-inspect '):
                commands.append(shlex.split(command)[1:])
    return commands


@test
def readme_examples_work(tmp):
    examples = [('registration-packed-es256.json', REGISTRATION['w3c/packed-es256']),
                ('authentication-packed-es256.json', AUTHENTICATION['w3c/packed-es256'])]
    for name, case in examples:
        with open(os.path.join(EXAMPLES, name), encoding='utf-8') as f:
            check(json.load(f) == case['credential'], '%s is not the vector credential' % name)
    commands = readme_commands()
    check(len(commands) == 3, 'expected 3 commands in the README, found %d' % len(commands))
    for args in commands:
        run = inspect(args, cwd=SOURCE_ROOT)
        expect_verified(run)
        if '--trust-anchor' in args:
            check(run.json['attestation']['trustAnchored'] is True, 'README: anchored', run)
    auth = [args for args in commands if args[0] == 'authentication'][0]
    at = auth.index('--counter')
    expect_rejected(inspect(auth[:at + 1] + ['1'] + auth[at + 2:], cwd=SOURCE_ROOT),
                    'sign_count_regression')


def main():
    global BINARY

    if len(sys.argv) != 2:
        print('Bail out! usage: test-inspect.py PATH-TO-SESAME-INSPECT')
        return 1
    BINARY = os.path.abspath(sys.argv[1])
    print('1..%d' % len(TESTS))
    failed = 0
    for number, function in enumerate(TESTS, 1):
        name = function.__name__.replace('_', ' ')
        with tempfile.TemporaryDirectory(prefix='sesame-inspect-') as tmp:
            try:
                function(tmp)
            except Exception as e:
                failed += 1
                print('not ok %d - %s' % (number, name))
                detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
                for line in detail.splitlines():
                    print('# ' + line)
                continue
        print('ok %d - %s' % (number, name))
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
