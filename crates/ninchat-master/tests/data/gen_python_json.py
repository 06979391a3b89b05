"""Generates python_json.txt: CPython's json.dumps(v, separators=(",", ":")) (ensure_ascii,
float repr) for random floats and random nested JSON values, as a differential fixture for
ninchat_master::Json. Run: python3 gen_python_json.py > python_json.txt (CPython 3.x)."""
import json, random, struct

random.seed(7)

def rfloat():
    r = random.random()
    if r < 0.4:
        while True:
            f = struct.unpack('<d', struct.pack('<Q', random.getrandbits(64)))[0]
            if f == f and abs(f) != float('inf'):
                return f
    if r < 0.6:
        return random.uniform(-1e6, 1e6)
    if r < 0.8:
        return random.random() * 10 ** random.randint(-30, 30)
    # integral values and exact binary fractions (ties at the last digit)
    return float(random.randint(-10**17, 10**17)) + random.choice([0, 0.5, 0.25, 0.625, 0.125])

def rstr():
    pool = [chr(random.randint(0x20, 0x7e)) for _ in range(5)] + [
        chr(random.randint(0, 0x1f)), '\x7f', chr(random.randint(0x80, 0x7ff)),
        chr(random.randint(0x800, 0xd7ff)), chr(random.randint(0xe000, 0xffff)),
        chr(random.randint(0x10000, 0x10ffff)), '\u2028', '"', '\\', '/']
    return ''.join(random.choice(pool) for _ in range(random.randint(0, 10)))

def rval(d=0):
    t = random.randint(0, 8 if d < 3 else 5)
    if t == 0: return None
    if t == 1: return random.choice([True, False])
    if t == 2: return random.randint(-2**63, 2**64 - 1)
    if t == 3: return rfloat()
    if t in (4, 5): return rstr()
    if t in (6, 7): return {rstr(): rval(d + 1) for _ in range(random.randint(0, 5))}
    return [rval(d + 1) for _ in range(random.randint(0, 5))]

for _ in range(4000):
    f = rfloat()
    print('float %d %s' % (struct.unpack('<Q', struct.pack('<d', f))[0], json.dumps(f)))
n = 0
while n < 400:
    v = rval()
    try:
        print('json ' + json.dumps(v, separators=(',', ':'), allow_nan=False))
        n += 1
    except ValueError:
        pass
