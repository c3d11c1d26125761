// A stand-in `random` resource provider of om-secrets' own for the e2e tier: NOT pulumi-random.
//
// pulumi-random's provider module (and the terraform-provider-random module it bridges) are not served
// by the module proxy available here, so it cannot be built from published modules. This provider
// implements the two types the program uses with the same tokens, inputs and outputs, and the same
// lifecycle the real one has: values come from crypto/rand on create, every input change replaces,
// state is read back unchanged, so the engine-level behaviour the e2e tier checks (no diff on a second
// up, key bytes kept across ups, replacement on rename) is the engine's, not this file's.
//
//	random:index/randomBytes:RandomBytes       length, keepers -> base64, hex
//	random:index/randomPassword:RandomPassword length, special, upper, lower, numeric, min*, overrideSpecial,
//	                                           keepers -> result, bcryptHash
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	version        = "0.0.0-om-secrets-e2e"
	bytesType      = "random:index/randomBytes:RandomBytes"
	passwordType   = "random:index/randomPassword:RandomPassword"
	defaultSpecial = "!@#$%&*()-_=+[]{}<>:?"
)

var inputs = map[string][]string{
	bytesType:    {"length", "keepers"},
	passwordType: {"length", "special", "upper", "lower", "numeric", "minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial", "keepers"},
}

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

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	t := typeOf(req.Urn)
	keys, ok := inputs[t]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %s", t)
	}
	news := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for _, k := range keys {
		v, ok := req.News.GetFields()[k]
		if _, isNull := v.GetKind().(*structpb.Value_NullValue); ok && v.GetKind() != nil && !isNull {
			news.Fields[k] = v
		}
	}
	var failures []*pulumirpc.CheckFailure
	if news.Fields["length"] == nil {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length", Reason: "length is required"})
	}
	if t == passwordType {
		for _, k := range []string{"special", "upper", "lower", "numeric"} {
			if news.Fields[k] == nil {
				news.Fields[k] = structpb.NewBoolValue(true)
			}
		}
		for _, k := range []string{"minLower", "minUpper", "minNumeric", "minSpecial"} {
			if news.Fields[k] == nil {
				news.Fields[k] = structpb.NewNumberValue(0)
			}
		}
	}
	return &pulumirpc.CheckResponse{Inputs: news, Failures: failures}, nil
}

// Every input of both types forces a new resource, as in the real provider.
func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds := req.OldInputs
	if olds == nil {
		olds = req.Olds
	}
	var replaces []string
	for _, k := range inputs[typeOf(req.Urn)] {
		o, n := olds.GetFields()[k], req.News.GetFields()[k]
		if (o == nil) != (n == nil) || o != nil && !proto.Equal(o, n) {
			replaces = append(replaces, k)
		}
	}
	if len(replaces) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: replaces, Diffs: replaces}, nil
}

func randomString(n int, alphabet string) (string, error) {
	var b strings.Builder
	for i := 0; i < n; i++ {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b.WriteByte(alphabet[j.Int64()])
	}
	return b.String(), nil
}

func password(in *structpb.Struct) (string, error) {
	f := in.GetFields()
	length := int(f["length"].GetNumberValue())
	special := defaultSpecial
	if s := f["overrideSpecial"].GetStringValue(); s != "" {
		special = s
	}
	classes := []struct {
		on    bool
		min   int
		chars string
	}{
		{f["lower"].GetBoolValue(), int(f["minLower"].GetNumberValue()), "abcdefghijklmnopqrstuvwxyz"},
		{f["upper"].GetBoolValue(), int(f["minUpper"].GetNumberValue()), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{f["numeric"].GetBoolValue(), int(f["minNumeric"].GetNumberValue()), "0123456789"},
		{f["special"].GetBoolValue(), int(f["minSpecial"].GetNumberValue()), special},
	}
	all, out := "", []byte{}
	for _, c := range classes {
		if !c.on {
			continue
		}
		all += c.chars
		s, err := randomString(c.min, c.chars)
		if err != nil {
			return "", err
		}
		out = append(out, s...)
	}
	if all == "" {
		return "", fmt.Errorf("at least one character class must be enabled")
	}
	rest, err := randomString(length-len(out), all)
	if err != nil {
		return "", err
	}
	out = append(out, rest...)
	for i := len(out) - 1; i > 0; i-- { // shuffle so the minimums are not at the front
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	outs := proto.Clone(req.Properties).(*structpb.Struct)
	if outs.Fields == nil {
		outs.Fields = map[string]*structpb.Value{}
	}
	switch typeOf(req.Urn) {
	case bytesType:
		buf := make([]byte, int(outs.Fields["length"].GetNumberValue()))
		if _, err := rand.Read(buf); err != nil {
			return nil, err
		}
		outs.Fields["base64"] = structpb.NewStringValue(base64.StdEncoding.EncodeToString(buf))
		outs.Fields["hex"] = structpb.NewStringValue(hex.EncodeToString(buf))
		return &pulumirpc.CreateResponse{Id: "none", Properties: outs}, nil
	case passwordType:
		pw, err := password(outs)
		if err != nil {
			return nil, err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		outs.Fields["result"] = structpb.NewStringValue(pw)
		outs.Fields["bcryptHash"] = structpb.NewStringValue(string(hash))
		outs.Fields["number"] = outs.Fields["numeric"]
		return &pulumirpc.CreateResponse{Id: "none", Properties: outs}, nil
	}
	return nil, fmt.Errorf("unknown resource type %s", typeOf(req.Urn))
}

func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.Id, Properties: req.Properties, Inputs: req.Inputs}, nil
}

func (p *provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return &pulumirpc.UpdateResponse{Properties: req.Olds}, nil
}

func (p *provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
