package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

const urn = "urn:pulumi:dev::om-secrets::tls:index/privateKey:PrivateKey::k"

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func check(t *testing.T, news map[string]any) *pulumirpc.CheckResponse {
	t.Helper()
	resp, err := (&provider{}).Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: props(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestCheckKeepsInputsAndAddsNoDefaults(t *testing.T) {
	// The real Check (pulumi-tls's recorded traffic) returns the inputs as given: the Terraform-level
	// defaults are planned later and appear in the outputs only.
	resp := check(t, map[string]any{"algorithm": "RSA", "ecdsaCurve": nil, "extra": "x"})
	if len(resp.Failures) != 0 {
		t.Fatalf("failures: %v", resp.Failures)
	}
	if got := resp.Inputs.AsMap(); !reflect.DeepEqual(got, map[string]any{"algorithm": "RSA"}) {
		t.Fatalf("inputs %v", got)
	}
	resp = check(t, map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P384", "rsaBits": 4096})
	if len(resp.Failures) != 0 || len(resp.Inputs.Fields) != 3 {
		t.Fatalf("failures %v inputs %v", resp.Failures, resp.Inputs)
	}
}

func TestCheckFailures(t *testing.T) {
	cases := []struct {
		news map[string]any
		want string
	}{
		{map[string]any{}, "Missing required property 'algorithm': Name of the algorithm to use when generating the private key. " +
			"Currently-supported values are: `RSA`, `ECDSA`, `ED25519`. "},
		{map[string]any{"algorithm": "rsa"}, `Invalid Attribute Value Match. Attribute algorithm value must be one of: ` +
			`["RSA" "ECDSA" "ED25519"], got: "rsa". Examine values at 'k.algorithm'.`},
		{map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P192"}, `Invalid Attribute Value Match. Attribute ecdsa_curve ` +
			`value must be one of: ["P224" "P256" "P384" "P521"], got: "P192". Examine values at 'k.ecdsaCurve'.`},
		// The curve is validated whatever the algorithm, as the schema's validator is.
		{map[string]any{"algorithm": "RSA", "ecdsaCurve": "p256"}, `Invalid Attribute Value Match. Attribute ecdsa_curve ` +
			`value must be one of: ["P224" "P256" "P384" "P521"], got: "p256". Examine values at 'k.ecdsaCurve'.`},
	}
	for _, c := range cases {
		resp := check(t, c.news)
		if len(resp.Failures) != 1 || resp.Failures[0].Reason != c.want {
			t.Errorf("%v: failures %v, want %q", c.news, resp.Failures, c.want)
		}
	}
	if resp := check(t, map[string]any{"algorithm": unknownValue, "ecdsaCurve": unknownValue}); len(resp.Failures) != 0 {
		t.Errorf("unknown values are not validated: %v", resp.Failures)
	}
	if _, err := (&provider{}).Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn,
		News: props(t, map[string]any{"algorithm": "RSA", "rsaBits": 2048.5})}); err == nil {
		t.Error("a fractional rsaBits is refused")
	}
}

func create(t *testing.T, in map[string]any) (string, map[string]any) {
	t.Helper()
	resp, err := (&provider{}).Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Properties: props(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Id, resp.Properties.AsMap()
}

// onePEM decodes a single PEM block ending in one newline.
func onePEM(t *testing.T, name, s, wantType string) []byte {
	t.Helper()
	if !strings.HasSuffix(s, "-----\n") || strings.HasSuffix(s, "\n\n") {
		t.Errorf("%s does not end in exactly one newline: %q", name, s[max(0, len(s)-20):])
	}
	b, rest := pem.Decode([]byte(s))
	if b == nil || len(rest) != 0 {
		t.Fatalf("%s: not a single PEM block", name)
	}
	if b.Type != wantType {
		t.Errorf("%s: PEM type %q, want %q", name, b.Type, wantType)
	}
	return b.Bytes
}

func sameKey(a, b crypto.PublicKey) bool {
	return a.(interface{ Equal(crypto.PublicKey) bool }).Equal(b)
}

// fingerprints as OpenSSH defines them, computed here without x/crypto/ssh's helpers.
func fingerprints(blob []byte) (string, string) {
	m := md5.Sum(blob)
	parts := make([]string, len(m))
	for i, b := range m {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	s := sha256.Sum256(blob)
	return strings.Join(parts, ":"), "SHA256:" + base64.RawStdEncoding.EncodeToString(s[:])
}

func TestCreateOutputs(t *testing.T) {
	cases := []struct {
		in        map[string]any
		rsaBits   float64
		curve     string
		pemType   string
		noOpenSSH bool
		keyType   string
	}{
		{map[string]any{"algorithm": "RSA"}, 2048, "P224", "RSA PRIVATE KEY", false, "ssh-rsa"},
		{map[string]any{"algorithm": "RSA", "rsaBits": 3072}, 3072, "P224", "RSA PRIVATE KEY", false, "ssh-rsa"},
		{map[string]any{"algorithm": "ECDSA"}, 2048, "P224", "EC PRIVATE KEY", true, ""},
		{map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P256"}, 2048, "P256", "EC PRIVATE KEY", false, "ecdsa-sha2-nistp256"},
		{map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P384"}, 2048, "P384", "EC PRIVATE KEY", false, "ecdsa-sha2-nistp384"},
		{map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P521"}, 2048, "P521", "EC PRIVATE KEY", false, "ecdsa-sha2-nistp521"},
		{map[string]any{"algorithm": "ED25519"}, 2048, "P224", "PRIVATE KEY", false, "ssh-ed25519"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.in), func(t *testing.T) {
			id, out := create(t, c.in)
			want := []string{"algorithm", "ecdsaCurve", "id", "privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8",
				"publicKeyFingerprintMd5", "publicKeyFingerprintSha256", "publicKeyOpenssh", "publicKeyPem", "rsaBits"}
			var keys []string
			for k := range out {
				keys = append(keys, k)
			}
			if !sameSet(keys, want) {
				t.Fatalf("outputs %v, want %v", keys, want)
			}
			if out["algorithm"] != c.in["algorithm"] || out["rsaBits"] != c.rsaBits || out["ecdsaCurve"] != c.curve {
				t.Errorf("defaults: %v %v %v", out["algorithm"], out["rsaBits"], out["ecdsaCurve"])
			}

			der := onePEM(t, "privateKeyPem", out["privateKeyPem"].(string), c.pemType)
			var priv crypto.Signer
			var err error
			switch c.pemType {
			case "RSA PRIVATE KEY":
				var k *rsa.PrivateKey
				k, err = x509.ParsePKCS1PrivateKey(der)
				if err == nil && k.N.BitLen() != int(c.rsaBits) {
					t.Errorf("RSA modulus %d bits, want %v", k.N.BitLen(), c.rsaBits)
				}
				priv = k
			case "EC PRIVATE KEY":
				var k *ecdsa.PrivateKey
				k, err = x509.ParseECPrivateKey(der)
				if err == nil && strings.ReplaceAll(k.Curve.Params().Name, "-", "") != c.curve {
					t.Errorf("curve %s, want %s", k.Curve.Params().Name, c.curve)
				}
				priv = k
			case "PRIVATE KEY":
				var k any
				k, err = x509.ParsePKCS8PrivateKey(der)
				if _, ok := k.(ed25519.PrivateKey); err == nil && !ok {
					t.Errorf("PKCS#8 key is %T", k)
				}
				priv, _ = k.(crypto.Signer)
			}
			if err != nil {
				t.Fatal(err)
			}
			pub := priv.Public()

			p8, err := x509.ParsePKCS8PrivateKey(onePEM(t, "privateKeyPemPkcs8", out["privateKeyPemPkcs8"].(string), "PRIVATE KEY"))
			if err != nil || !sameKey(p8.(crypto.Signer).Public(), pub) {
				t.Errorf("privateKeyPemPkcs8 is not the same key: %v", err)
			}
			pubDER := onePEM(t, "publicKeyPem", out["publicKeyPem"].(string), "PUBLIC KEY")
			pk, err := x509.ParsePKIXPublicKey(pubDER)
			if err != nil || !sameKey(pk, pub) {
				t.Errorf("publicKeyPem is not the private key's: %v", err)
			}
			// SHA-1 of the PKIX DER, trimmed as a string first (an ED25519 or ECDSA DER ends in key bytes,
			// which may be white space: see TestIDTrimsTheDER).
			sum := sha1.Sum(bytes.TrimSpace(pubDER))
			if want := hex.EncodeToString(sum[:]); id != want || out["id"] != want {
				t.Errorf("id %s / outputs id %v, want SHA-1 of the PKIX DER %s", id, out["id"], want)
			}

			if c.noOpenSSH {
				for _, k := range []string{"privateKeyOpenssh", "publicKeyOpenssh", "publicKeyFingerprintMd5", "publicKeyFingerprintSha256"} {
					if out[k] != "" {
						t.Errorf("%s = %q, want empty for P224", k, out[k])
					}
				}
				return
			}
			onePEM(t, "privateKeyOpenssh", out["privateKeyOpenssh"].(string), "OPENSSH PRIVATE KEY")
			raw, err := ssh.ParseRawPrivateKey([]byte(out["privateKeyOpenssh"].(string)))
			if err != nil {
				t.Fatal(err)
			}
			if s, ok := raw.(crypto.Signer); !ok || !sameKey(s.Public(), pub) {
				t.Errorf("privateKeyOpenssh is another key (%T)", raw)
			}
			line := out["publicKeyOpenssh"].(string)
			if !strings.HasPrefix(line, c.keyType+" ") || !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 ||
				strings.Count(line, " ") != 1 {
				t.Errorf("publicKeyOpenssh %q: want %q, one space, no comment, one trailing newline", line, c.keyType)
			}
			sshPub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
			if err != nil {
				t.Fatal(err)
			}
			cpk := sshPub.(ssh.CryptoPublicKey).CryptoPublicKey()
			if !sameKey(cpk, pub) {
				t.Error("publicKeyOpenssh is not the private key's")
			}
			md5fp, shafp := fingerprints(sshPub.Marshal())
			if out["publicKeyFingerprintMd5"] != md5fp || out["publicKeyFingerprintSha256"] != shafp {
				t.Errorf("fingerprints %v %v, want %s %s", out["publicKeyFingerprintMd5"], out["publicKeyFingerprintSha256"], md5fp, shafp)
			}
			keygenFingerprints(t, line, md5fp, shafp)
		})
	}
}

// keygenFingerprints compares with `ssh-keygen -l` where it is installed: ssh-keygen prints "MD5:" before
// the MD5 form, the provider (x/crypto/ssh's FingerprintLegacyMD5) does not.
func keygenFingerprints(t *testing.T, line, md5fp, shafp string) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		return
	}
	f := filepath.Join(t.TempDir(), "k.pub")
	if err := os.WriteFile(f, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	for hash, want := range map[string]string{"md5": "MD5:" + md5fp, "sha256": shafp} {
		out, err := exec.Command(keygen, "-l", "-E", hash, "-f", f).Output()
		if err != nil {
			t.Fatalf("ssh-keygen: %v", err)
		}
		if fields := strings.Fields(string(out)); len(fields) < 2 || fields[1] != want {
			t.Errorf("ssh-keygen -E %s: %q, want %s", hash, out, want)
		}
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}

func TestCreateIsRandom(t *testing.T) {
	id1, a := create(t, map[string]any{"algorithm": "ED25519"})
	id2, b := create(t, map[string]any{"algorithm": "ED25519"})
	if id1 == id2 || a["privateKeyPem"] == b["privateKeyPem"] {
		t.Error("two creates gave the same key")
	}
}

// The real provider's outputs for one public key, from pulumi/pulumi-tls's recorded gRPC traffic of
// pulumi-tls 5.1.0-alpha (provider/testdata/recorded/TestProviderUpgrade/index_privatekey/5.0.2/grpc.json,
// commit f7db93b22b29b3fbd12ddbdac228293fcb30db8b): the same public key gives the same strings and id here.
func TestPublicOutputsMatchRecordedRealProvider(t *testing.T) {
	const recordedPEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwSOGL290VYJtLPwW0/93\n" +
		"E+99x1/bjcm/+VBWTmprD0x73OZ4paqCZl2VztD+6BzE/KHqHBZ2WBMFkNhH+3UL\nkHR4/IPsmp00I4BqvHZ4LHCVJYVsuxM2acb+jDLFSRAjTt/85+Pf5B/Qoa1/U68k\n" +
		"TRzzANJTrFwCnEhbeq4ycLhqwXldfdxErIadiTpzVmilHlj1fczU/Lsqku3JhNiN\n+eLKrxBzNswBzhIqaBRuHvtnUigHA2dny2v0zdWm0hstR7R001YsPmZVrTgQcW5h\n" +
		"7e0HoSgafD3y/PuGbz4x+YBh+g4wtjUEWGpuCWo3ACESV4792SFgsWav/5Wf0JRM\nswIDAQAB\n-----END PUBLIC KEY-----\n"
	want := map[string]string{
		"id":           "8cd39b8abf08ec8acbbcba82792c20d53df9433f",
		"publicKeyPem": recordedPEM,
		"publicKeyOpenssh": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDBI4Yvb3RVgm0s/BbT/3cT733HX9uNyb/5UFZOamsPTHvc5nilqoJmXZXO0P7oHMT8o" +
			"eocFnZYEwWQ2Ef7dQuQdHj8g+yanTQjgGq8dngscJUlhWy7EzZpxv6MMsVJECNO3/zn49/kH9ChrX9TryRNHPMA0lOsXAKcSFt6rjJwuGrBeV193ESshp2" +
			"JOnNWaKUeWPV9zNT8uyqS7cmE2I354sqvEHM2zAHOEipoFG4e+2dSKAcDZ2fLa/TN1abSGy1HtHTTViw+ZlWtOBBxbmHt7QehKBp8PfL8+4ZvPjH5gGH6DjC2" +
			"NQRYam4JajcAIRJXjv3ZIWCxZq//lZ/QlEyz\n",
		"publicKeyFingerprintMd5":    "dd:15:f0:95:51:f8:d1:0f:72:e9:2a:05:eb:6d:86:2a",
		"publicKeyFingerprintSha256": "SHA256:xkbrcXoA7zAsdwZD+an5wATrYsxsIm/G3xmfD+a2yzI",
	}
	b, _ := pem.Decode([]byte(recordedPEM))
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	id, got, err := publicOutputs(pub)
	if err != nil {
		t.Fatal(err)
	}
	if id != want["id"] || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestHashForStateTrims(t *testing.T) {
	if hashForState("") != "" {
		t.Error("empty value: empty id")
	}
	sum := sha1.Sum([]byte("abc"))
	if hashForState(" abc\n") != hex.EncodeToString(sum[:]) {
		t.Error("the value is trimmed before hashing")
	}
}

// The real id hashes strings.TrimSpace(string(der)): a DER ending in a white-space byte loses it. An
// ED25519 public key whose last byte is '\n' shows it.
func TestIDTrimsTheDER(t *testing.T) {
	pub := make(ed25519.PublicKey, ed25519.PublicKeySize)
	pub[0], pub[31] = 1, '\n'
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	id, out, err := publicOutputs(pub)
	if err != nil {
		t.Fatal(err)
	}
	trimmed, whole := sha1.Sum(der[:len(der)-1]), sha1.Sum(der)
	if id != hex.EncodeToString(trimmed[:]) || out["id"] != id || id == hex.EncodeToString(whole[:]) {
		t.Errorf("id %s: want the SHA-1 of the DER without its trailing newline", id)
	}
}

func diff(t *testing.T, olds, news map[string]any) *pulumirpc.DiffResponse {
	t.Helper()
	resp, err := (&provider{}).Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn, Id: "x",
		Olds: props(t, olds), News: props(t, news), OldInputs: props(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestDiff(t *testing.T) {
	// Olds are the state's outputs (defaults filled in), news the checked inputs.
	_, state := create(t, map[string]any{"algorithm": "RSA"})
	same := []map[string]any{
		{"algorithm": "RSA"},
		{"algorithm": "RSA", "rsaBits": 2048},
		{"algorithm": "RSA", "ecdsaCurve": "P224"},
		{"algorithm": "RSA", "rsaBits": 2048, "ecdsaCurve": "P224"},
	}
	for _, news := range same {
		if resp := diff(t, state, news); resp.Changes != pulumirpc.DiffResponse_DIFF_NONE || len(resp.Replaces) != 0 {
			t.Errorf("%v: %v", news, resp)
		}
	}
	changed := []struct {
		news map[string]any
		want []string
	}{
		{map[string]any{"algorithm": "ED25519"}, []string{"algorithm"}},
		{map[string]any{"algorithm": "RSA", "rsaBits": 4096}, []string{"rsaBits"}},
		{map[string]any{"algorithm": "RSA", "ecdsaCurve": "P256"}, []string{"ecdsaCurve"}},
		{map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P384", "rsaBits": 3072}, []string{"algorithm", "rsaBits", "ecdsaCurve"}},
		{map[string]any{"algorithm": unknownValue}, []string{"algorithm"}},
	}
	for _, c := range changed {
		resp := diff(t, state, c.news)
		if resp.Changes != pulumirpc.DiffResponse_DIFF_SOME || !reflect.DeepEqual(resp.Replaces, c.want) ||
			!reflect.DeepEqual(resp.Diffs, c.want) {
			t.Errorf("%v: %v, want replaces %v", c.news, resp, c.want)
		}
	}
	// A state made with rsaBits 4096 and a program that drops it: back to the default, so a replace.
	_, big := create(t, map[string]any{"algorithm": "ED25519", "rsaBits": 4096})
	if resp := diff(t, big, map[string]any{"algorithm": "ED25519"}); !reflect.DeepEqual(resp.Replaces, []string{"rsaBits"}) {
		t.Errorf("dropping rsaBits 4096: %v", resp)
	}
}

func TestReadUpdateDelete(t *testing.T) {
	id, state := create(t, map[string]any{"algorithm": "ED25519"})
	st := props(t, state)
	in := props(t, map[string]any{"algorithm": "ED25519"})
	p := &provider{}
	r, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Urn: urn, Id: id, Properties: st, Inputs: in})
	if err != nil || r.Id != id || !proto.Equal(r.Properties, st) || !proto.Equal(r.Inputs, in) {
		t.Errorf("read changed the state: %v", err)
	}
	u, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urn, Id: id, Olds: st, News: in})
	if err != nil || !proto.Equal(u.Properties, st) {
		t.Errorf("update changed the state: %v", err)
	}
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: urn, Id: id, Properties: st}); err != nil {
		t.Error(err)
	}
}
