/**
 * Per-endpoint outlier detection for a gRPC backend that resolves to several endpoints
 * (`dns:///orders-headless:5003`, a Kubernetes headless Service; `ipv4:10.0.0.7:5003,10.0.0.8:5003`).
 *
 * gRPC keeps one long-lived HTTP/2 connection per endpoint, so a ClusterIP Service's L4
 * balancing pins a BFF replica to one pod; the usual answer is client-side round robin over
 * the pods' addresses. Then one bad pod among healthy ones must be taken out of rotation
 * without opening the whole backend's circuit breaker (which counts consecutive faults of the
 * backend, and would not see them: the healthy pods' answers come in between). grpc-js
 * implements gRFC A50's `outlier_detection` balancer; this module only configures it:
 * an endpoint whose calls failed more than `failurePercent` of at least `minCalls` in one
 * `intervalMs` is ejected for `ejectionMs` (longer each time it is ejected again, up to
 * 10×), never more than half of the endpoints at once. grpc-js counts every non-OK status as a
 * failure (NOT_FOUND too), hence a share threshold rather than a count.
 *
 * With one endpoint (the demo's `127.0.0.1:5003`) it never ejects anything: the minimum is two.
 */
export interface OutlierDetection {
  /** A share of failed calls, 1..100, above which an endpoint is ejected. Default 50. */
  failurePercent: number;
  /** Calls an endpoint must have had in the interval for its share to count. Default 20. */
  minCalls: number;
  /** How often the shares are computed. Default 10 000. */
  intervalMs: number;
  /** How long a first ejection lasts. Default 30 000. */
  ejectionMs: number;
}

/** A duration as grpc-js' outlier_detection parser takes it (an object, not the proto JSON string "1.5s"). */
const seconds = (ms: number): { seconds: number; nanos: number } => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });

/** @returns the channel's `grpc.service_config` (JSON): round robin over the endpoints, with outlier detection. */
export function serviceConfigOf(settings: OutlierDetection): string {
  return JSON.stringify({
    loadBalancingConfig: [
      {
        outlier_detection: {
          interval: seconds(settings.intervalMs),
          base_ejection_time: seconds(settings.ejectionMs),
          max_ejection_time: seconds(settings.ejectionMs * 10),
          max_ejection_percent: 50,
          failure_percentage_ejection: {
            threshold: settings.failurePercent,
            enforcement_percentage: 100,
            minimum_hosts: 2,
            request_volume: settings.minCalls,
          },
          child_policy: [{ round_robin: {} }],
        },
      },
    ],
  });
}
