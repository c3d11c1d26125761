// A stand-in `tls` resource provider of om-secrets' own for the e2e tier: NOT pulumi-tls.
//
// pulumi-tls's provider module (and the terraform-provider-tls module it bridges) are not served by the
// module proxy available here, so it cannot be built from published modules. This provider implements
// the one type the program uses with the same token, inputs, outputs, defaults and replace rules, and
// the same lifecycle the real one has: keys come from crypto/rand on create, every input change
// replaces, state is read back unchanged, so the engine-level behaviour the e2e tier checks (no diff on
// a second up, key bytes kept across ups, replacement on an input change) is the engine's, not this
// file's.
//
//	tls:index/privateKey:PrivateKey algorithm, rsaBits, ecdsaCurve -> algorithm, rsaBits, ecdsaCurve,
//	                                privateKeyPem, privateKeyPemPkcs8, privateKeyOpenssh, publicKeyPem,
//	                                publicKeyOpenssh, publicKeyFingerprintMd5, publicKeyFingerprintSha256, id
//
// What the real one does, read from (stored copies of the public repositories):
//   - hashicorp/terraform-provider-tls d72d90e1b47b7cb5ce6863f528af3154963d61b7 (2026-04-28; the files
//     below last changed, but for copyright headers, in 4a6ab5c7d27a4265fc6ddeecc6aba6e95ae7a75c; pulumi-tls
//     5.x pins v1.2.1-0.20260513075833-609226f53114, a commit the stored copy lacks), internal/provider/:
//     resource_private_key.go (schema: algorithm Required, OneOf RSA/ECDSA/ED25519; rsa_bits Optional+
//     Computed, default 2048; ecdsa_curve Optional+Computed, default P224, OneOf P224/P256/P384/P521; all
//     three RequiresReplace; Create: RSA PKCS#1 "RSA PRIVATE KEY", ECDSA SEC1 "EC PRIVATE KEY", ED25519
//     PKCS#8 "PRIVATE KEY", PKCS#8 for private_key_pem_pkcs8, ssh.MarshalPrivateKey(key, "") for
//     private_key_openssh except on P-224 where it is ""), common_key.go (key generation with crypto/rand;
//     setPublicKeyAttributes: PKIX "PUBLIC KEY", id = hashForState(PKIX DER), ssh.MarshalAuthorizedKey,
//     ssh.FingerprintLegacyMD5, ssh.FingerprintSHA256, all three "" when x/crypto/ssh refuses P-224),
//     common.go (hashForState: hex SHA-1 of strings.TrimSpace(value)), types.go (names and PEM types).
//   - pulumi/pulumi-tls f7db93b22b29b3fbd12ddbdac228293fcb30db8b: provider/cmd/pulumi-resource-tls/schema.json
//     (token, camelCase names, requiredInputs [algorithm], the three private key outputs secret),
//     provider/resources.go (no DefaultInfo for tls_private_key), and the real provider's recorded gRPC
//     traffic provider/testdata/recorded/TestProviderUpgrade/index_privatekey/5.0.2/grpc.json (Check
//     returns the inputs without defaults; Create's id and outputs[id] are the hash, defaults appear in
//     the outputs).
//   - pulumi/pulumi-terraform-bridge 59de6c661df1e7561e6ece7ad7f1c835c63010c4: pkg/pf/tfbridge/
//     provider_check.go (Check applies only Pulumi DefaultInfo defaults, then ValidateResourceConfig),
//     detect_check_failures.go + pkg/tfbridge/check_failures.go (failure text, no Property set),
//     provider_diff.go (replace keys from prior state vs planned state, so defaults count as values).
//   - hashicorp/terraform-plugin-framework-validators stringvalidator/one_of.go and
//     helpers/validatordiag/diag.go (the OneOf failure text).
//
// Not reproduced: the bridge's own bookkeeping keys in the outputs (__meta with schema_version "1", and
// in newer bridges __pulumi_raw_state_delta), which only the bridge reads. The SDK, not the provider,
// marks privateKeyPem, privateKeyPemPkcs8 and privateKeyOpenssh as additional secret outputs.
package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	version           = "0.0.0-om-secrets-e2e"
	privateKeyType    = "tls:index/privateKey:PrivateKey"
	defaultRSABits    = 2048
	defaultECDSACurve = "P224"
	// The value the engine sends for an input not known yet (a preview of a computed value).
	unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
)

var (
	inputs     = []string{"algorithm", "rsaBits", "ecdsaCurve"}
	algorithms = []string{"RSA", "ECDSA", "ED25519"}
	curves     = map[string]elliptic.Curve{"P224": elliptic.P224(), "P256": elliptic.P256(), "P384": elliptic.P384(), "P521": elliptic.P521()}
)

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func main() {
	done := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: done,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, &provider{})
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func typeOf(urn string) string {
	parts := strings.Split(urn, "::")
	t := parts[len(parts)-2]
	if i := strings.LastIndex(t, "$"); i >= 0 {
		t = t[i+1:]
	}
	return t
}

func nameOf(urn string) string {
	parts := strings.Split(urn, "::")
	return parts[len(parts)-1]
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.News}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: false, SupportsPreview: false}, nil
}

func isUnknown(v *structpb.Value) bool {
	return v.GetStringValue() == unknownValue
}

// oneOfFailure is the real provider's failure for a value outside a OneOf list: the framework's
// "Invalid Attribute Value Match" diagnostic (Terraform attribute name) as the bridge words it (Pulumi
// property path, no Property field set).
func oneOfFailure(urn, tfName, pulumiName string, allowed []string, got string) *pulumirpc.CheckFailure {
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return &pulumirpc.CheckFailure{Reason: fmt.Sprintf(
		"Invalid Attribute Value Match. Attribute %s value must be one of: [%s], got: %q. Examine values at '%s.%s'.",
		tfName, strings.Join(quoted, " "), got, nameOf(urn), pulumiName)}
}

// Check keeps the known inputs and validates them; like the real provider (whose defaults live in the
// Terraform schema and are applied when planning, not in Check) it adds no defaults here: rsaBits 2048
// and ecdsaCurve P224 appear in the outputs.
func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if t := typeOf(req.Urn); t != privateKeyType {
		return nil, fmt.Errorf("unknown resource type %s", t)
	}
	news := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for _, k := range inputs {
		v, ok := req.News.GetFields()[k]
		if _, isNull := v.GetKind().(*structpb.Value_NullValue); ok && v.GetKind() != nil && !isNull {
			news.Fields[k] = v
		}
	}
	var failures []*pulumirpc.CheckFailure
	f := news.Fields
	if a := f["algorithm"]; a == nil {
		failures = append(failures, &pulumirpc.CheckFailure{Reason: "Missing required property 'algorithm': Name of the algorithm " +
			"to use when generating the private key. Currently-supported values are: `RSA`, `ECDSA`, `ED25519`. "})
	} else if !isUnknown(a) && !contains(algorithms, a.GetStringValue()) {
		failures = append(failures, oneOfFailure(req.Urn, "algorithm", "algorithm", algorithms, a.GetStringValue()))
	}
	if c := f["ecdsaCurve"]; c != nil && !isUnknown(c) {
		if _, ok := curves[c.GetStringValue()]; !ok {
			failures = append(failures, oneOfFailure(req.Urn, "ecdsa_curve", "ecdsaCurve", []string{"P224", "P256", "P384", "P521"},
				c.GetStringValue()))
		}
	}
	if b := f["rsaBits"]; b != nil && !isUnknown(b) {
		if n, ok := b.GetKind().(*structpb.Value_NumberValue); !ok || n.NumberValue != math.Trunc(n.NumberValue) {
			return nil, fmt.Errorf("rsaBits: expected an integer, got %v", b.AsInterface())
		}
	}
	return &pulumirpc.CheckResponse{Inputs: news, Failures: failures}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// effective is what the Terraform plan holds for the inputs: the defaults filled in where unset.
func effective(in *structpb.Struct) map[string]*structpb.Value {
	out := map[string]*structpb.Value{
		"rsaBits":    structpb.NewNumberValue(defaultRSABits),
		"ecdsaCurve": structpb.NewStringValue(defaultECDSACurve),
	}
	for _, k := range inputs {
		if v := in.GetFields()[k]; v != nil {
			if _, isNull := v.GetKind().(*structpb.Value_NullValue); !isNull && v.GetKind() != nil {
				out[k] = v
			}
		}
	}
	return out
}

// Diff compares the prior state with the planned values (inputs plus defaults), as the bridge does, so
// dropping rsaBits: 2048 from the program changes nothing. Every input forces a new resource.
func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds := req.Olds
	if olds == nil {
		olds = req.OldInputs
	}
	o, n := effective(olds), effective(req.News)
	var replaces []string
	for _, k := range inputs {
		if (o[k] == nil) != (n[k] == nil) || o[k] != nil && !proto.Equal(o[k], n[k]) {
			replaces = append(replaces, k)
		}
	}
	if len(replaces) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: replaces, Diffs: replaces}, nil
}

func generate(algorithm string, rsaBits int, curve string) (crypto.PrivateKey, error) {
	switch algorithm {
	case "RSA":
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case "ECDSA":
		c, ok := curves[curve]
		if !ok {
			return nil, fmt.Errorf("invalid ECDSA curve; supported values are: [P224 P256 P384 P521]")
		}
		return ecdsa.GenerateKey(c, rand.Reader)
	case "ED25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("Key Algorithm %q is not supported", algorithm)
}

// hashForState is terraform-provider-tls's resource id: hex SHA-1 of the trimmed value.
func hashForState(value string) string {
	if value == "" {
		return ""
	}
	sum := sha1.Sum([]byte(strings.TrimSpace(value)))
	return hex.EncodeToString(sum[:])
}

// keyOutputs encodes a private key as the real provider's outputs, and returns its id.
func keyOutputs(key crypto.PrivateKey) (string, map[string]string, error) {
	var block *pem.Block
	switch k := key.(type) {
	case *rsa.PrivateKey:
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return "", nil, err
		}
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	case ed25519.PrivateKey:
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return "", nil, err
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	default:
		return "", nil, fmt.Errorf("Key type %T not supported", key)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", nil, err
	}
	out := map[string]string{
		"privateKeyPem":      string(pem.EncodeToMemory(block)),
		"privateKeyPemPkcs8": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
		"privateKeyOpenssh":  "",
	}
	// x/crypto/ssh does not handle P-224: the OpenSSH forms are then empty strings.
	if k, ok := key.(*ecdsa.PrivateKey); !ok || k.Curve.Params().Name != "P-224" {
		b, err := ssh.MarshalPrivateKey(key, "")
		if err != nil {
			return "", nil, err
		}
		out["privateKeyOpenssh"] = string(pem.EncodeToMemory(b))
	}
	id, pubOut, err := publicOutputs(key.(crypto.Signer).Public())
	if err != nil {
		return "", nil, err
	}
	for k, v := range pubOut {
		out[k] = v
	}
	return id, out, nil
}

// publicOutputs are the public key's outputs (setPublicKeyAttributes in the real provider) and the id.
func publicOutputs(pub crypto.PublicKey) (string, map[string]string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", nil, err
	}
	id := hashForState(string(der))
	out := map[string]string{
		"id":                         id,
		"publicKeyPem":               string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		"publicKeyOpenssh":           "",
		"publicKeyFingerprintMd5":    "",
		"publicKeyFingerprintSha256": "",
	}
	if sshPub, err := ssh.NewPublicKey(pub); err == nil {
		out["publicKeyOpenssh"] = string(ssh.MarshalAuthorizedKey(sshPub))
		out["publicKeyFingerprintMd5"] = ssh.FingerprintLegacyMD5(sshPub)
		out["publicKeyFingerprintSha256"] = ssh.FingerprintSHA256(sshPub)
	}
	return id, out, nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if t := typeOf(req.Urn); t != privateKeyType {
		return nil, fmt.Errorf("unknown resource type %s", t)
	}
	in := effective(req.Properties)
	key, err := generate(in["algorithm"].GetStringValue(), int(in["rsaBits"].GetNumberValue()), in["ecdsaCurve"].GetStringValue())
	if err != nil {
		return nil, fmt.Errorf("Unable to generate Key from configuration: %w", err)
	}
	id, strs, err := keyOutputs(key)
	if err != nil {
		return nil, err
	}
	outs := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for _, k := range inputs {
		outs.Fields[k] = in[k]
	}
	for k, v := range strs {
		outs.Fields[k] = structpb.NewStringValue(v)
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: outs}, nil
}

func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.Id, Properties: req.Properties, Inputs: req.Inputs}, nil
}

// Update never runs for real: every input replaces.
func (p *provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return &pulumirpc.UpdateResponse{Properties: req.Olds}, nil
}

func (p *provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
