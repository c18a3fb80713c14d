#!/usr/bin/python3
"""cri-call.py: one call of the CRI v1 RuntimeService, as a kubelet makes it (cri-pods.sh).

    cri-call.py GEN_DIR SOCKET METHOD REQUEST_JSON

GEN_DIR holds api_pb2.py and api_pb2_grpc.py, compiled from runtime-v1.proto by
grpc_tools.protoc at test time.  The request is the JSON form of METHOD's request message
(proto field names); the response is printed in the same form (bytes as base64).  A gRPC
error prints "METHOD: CODE: details" on stderr and exits 1.
"""
import sys


def main():
    gen_dir, socket, method, request = sys.argv[1:5]
    sys.path.insert(0, gen_dir)
    import grpc
    from google.protobuf import json_format
    import api_pb2
    import api_pb2_grpc

    stub = api_pb2_grpc.RuntimeServiceStub(grpc.insecure_channel("unix://" + socket))
    req = json_format.Parse(request, getattr(api_pb2, method + "Request")())
    try:
        resp = getattr(stub, method)(req, timeout=120)
    except grpc.RpcError as e:
        print("%s: %s: %s" % (method, e.code().name, e.details()), file=sys.stderr)
        return 1
    print(json_format.MessageToJson(resp, preserving_proto_field_name=True,
                                    including_default_value_fields=True, indent=None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
