// Original file: packages/protocol/proto/tunnel.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _paddock_tunnel_v1_AgentMessage, AgentMessage__Output as _paddock_tunnel_v1_AgentMessage__Output } from '../../../paddock/tunnel/v1/AgentMessage.js';
import type { EnrollRequest as _paddock_tunnel_v1_EnrollRequest, EnrollRequest__Output as _paddock_tunnel_v1_EnrollRequest__Output } from '../../../paddock/tunnel/v1/EnrollRequest.js';
import type { EnrollResponse as _paddock_tunnel_v1_EnrollResponse, EnrollResponse__Output as _paddock_tunnel_v1_EnrollResponse__Output } from '../../../paddock/tunnel/v1/EnrollResponse.js';
import type { Frame as _paddock_tunnel_v1_Frame, Frame__Output as _paddock_tunnel_v1_Frame__Output } from '../../../paddock/tunnel/v1/Frame.js';
import type { PortalMessage as _paddock_tunnel_v1_PortalMessage, PortalMessage__Output as _paddock_tunnel_v1_PortalMessage__Output } from '../../../paddock/tunnel/v1/PortalMessage.js';

export interface TunnelClient extends grpc.Client {
  Control(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_paddock_tunnel_v1_AgentMessage, _paddock_tunnel_v1_PortalMessage__Output>;
  Control(options?: grpc.CallOptions): grpc.ClientDuplexStream<_paddock_tunnel_v1_AgentMessage, _paddock_tunnel_v1_PortalMessage__Output>;
  control(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_paddock_tunnel_v1_AgentMessage, _paddock_tunnel_v1_PortalMessage__Output>;
  control(options?: grpc.CallOptions): grpc.ClientDuplexStream<_paddock_tunnel_v1_AgentMessage, _paddock_tunnel_v1_PortalMessage__Output>;
  
  Dial(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_paddock_tunnel_v1_Frame, _paddock_tunnel_v1_Frame__Output>;
  Dial(options?: grpc.CallOptions): grpc.ClientDuplexStream<_paddock_tunnel_v1_Frame, _paddock_tunnel_v1_Frame__Output>;
  dial(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_paddock_tunnel_v1_Frame, _paddock_tunnel_v1_Frame__Output>;
  dial(options?: grpc.CallOptions): grpc.ClientDuplexStream<_paddock_tunnel_v1_Frame, _paddock_tunnel_v1_Frame__Output>;
  
  Enroll(argument: _paddock_tunnel_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_paddock_tunnel_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _paddock_tunnel_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_paddock_tunnel_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _paddock_tunnel_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_paddock_tunnel_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _paddock_tunnel_v1_EnrollRequest, callback: grpc.requestCallback<_paddock_tunnel_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _paddock_tunnel_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_paddock_tunnel_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _paddock_tunnel_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_paddock_tunnel_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _paddock_tunnel_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_paddock_tunnel_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _paddock_tunnel_v1_EnrollRequest, callback: grpc.requestCallback<_paddock_tunnel_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface TunnelHandlers extends grpc.UntypedServiceImplementation {
  Control: grpc.handleBidiStreamingCall<_paddock_tunnel_v1_AgentMessage__Output, _paddock_tunnel_v1_PortalMessage>;
  
  Dial: grpc.handleBidiStreamingCall<_paddock_tunnel_v1_Frame__Output, _paddock_tunnel_v1_Frame>;
  
  Enroll: grpc.handleUnaryCall<_paddock_tunnel_v1_EnrollRequest__Output, _paddock_tunnel_v1_EnrollResponse>;
  
}

export interface TunnelDefinition extends grpc.ServiceDefinition {
  Control: MethodDefinition<_paddock_tunnel_v1_AgentMessage, _paddock_tunnel_v1_PortalMessage, _paddock_tunnel_v1_AgentMessage__Output, _paddock_tunnel_v1_PortalMessage__Output>
  Dial: MethodDefinition<_paddock_tunnel_v1_Frame, _paddock_tunnel_v1_Frame, _paddock_tunnel_v1_Frame__Output, _paddock_tunnel_v1_Frame__Output>
  Enroll: MethodDefinition<_paddock_tunnel_v1_EnrollRequest, _paddock_tunnel_v1_EnrollResponse, _paddock_tunnel_v1_EnrollRequest__Output, _paddock_tunnel_v1_EnrollResponse__Output>
}
