/**
 * Excerpts of test/fixtures/recordings/kube-apiserver-1.32.json (managedFields dropped) that the Kubernetes API fake is
 * compared against. Kept in the repository so the suite runs on a fresh clone.
 */
/* eslint-disable */
export const RECORDED: Record<string, any> = {
  podCreateBound: {
    request: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "web-0",
        labels: {
          app: "web",
        },
      },
      spec: {
        nodeName: "aci-bridge",
        nodeSelector: {
          type: "virtual-kubelet",
        },
        tolerations: [
          {
            key: "virtual-kubelet.io/provider",
            operator: "Exists",
          },
        ],
        containers: [
          {
            name: "web",
            image: "mcr.microsoft.com/azuredocs/aci-helloworld",
            ports: [
              {
                containerPort: 80,
                name: "http",
              },
            ],
            env: [
              {
                name: "DB_PASSWORD",
                valueFrom: {
                  secretKeyRef: {
                    name: "app-secret",
                    key: "password",
                  },
                },
              },
            ],
          },
        ],
      },
    },
    response: {
      kind: "Pod",
      apiVersion: "v1",
      metadata: {
        name: "web-0",
        namespace: "rec",
        uid: "7ac61590-3ee6-494b-9c52-7d1a5bcd60fd",
        resourceVersion: "262",
        creationTimestamp: "2026-11-26T00:32:56Z",
        labels: {
          app: "web",
        },
      },
      spec: {
        volumes: [
          {
            name: "kube-api-access-gt6j2",
            projected: {
              sources: [
                {
                  serviceAccountToken: {
                    expirationSeconds: 3607,
                    path: "token",
                  },
                },
                {
                  configMap: {
                    name: "kube-root-ca.crt",
                    items: [
                      {
                        key: "ca.crt",
                        path: "ca.crt",
                      },
                    ],
                  },
                },
                {
                  downwardAPI: {
                    items: [
                      {
                        path: "namespace",
                        fieldRef: {
                          apiVersion: "v1",
                          fieldPath: "metadata.namespace",
                        },
                      },
                    ],
                  },
                },
                {
                  configMap: {
                    name: "openshift-service-ca.crt",
                    items: [
                      {
                        key: "service-ca.crt",
                        path: "service-ca.crt",
                      },
                    ],
                  },
                },
              ],
              defaultMode: 420,
            },
          },
        ],
        containers: [
          {
            name: "web",
            image: "mcr.microsoft.com/azuredocs/aci-helloworld",
            ports: [
              {
                name: "http",
                containerPort: 80,
                protocol: "TCP",
              },
            ],
            env: [
              {
                name: "DB_PASSWORD",
                valueFrom: {
                  secretKeyRef: {
                    name: "app-secret",
                    key: "password",
                  },
                },
              },
            ],
            resources: {},
            volumeMounts: [
              {
                name: "kube-api-access-gt6j2",
                readOnly: true,
                mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
              },
            ],
            terminationMessagePath: "/dev/termination-log",
            terminationMessagePolicy: "File",
            imagePullPolicy: "Always",
          },
        ],
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 30,
        dnsPolicy: "ClusterFirst",
        nodeSelector: {
          type: "virtual-kubelet",
        },
        serviceAccountName: "default",
        serviceAccount: "default",
        nodeName: "aci-bridge",
        securityContext: {},
        schedulerName: "default-scheduler",
        tolerations: [
          {
            key: "virtual-kubelet.io/provider",
            operator: "Exists",
          },
          {
            key: "node.kubernetes.io/not-ready",
            operator: "Exists",
            effect: "NoExecute",
            tolerationSeconds: 300,
          },
          {
            key: "node.kubernetes.io/unreachable",
            operator: "Exists",
            effect: "NoExecute",
            tolerationSeconds: 300,
          },
        ],
        priority: 0,
        enableServiceLinks: true,
        preemptionPolicy: "PreemptLowerPriority",
      },
      status: {
        phase: "Pending",
        qosClass: "BestEffort",
      },
    },
  },
  podGetMissing: {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: 'pods "nope" not found',
    reason: "NotFound",
    details: {
      name: "nope",
      kind: "pods",
    },
    code: 404,
  },
  podListBadSelector: {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "field label not supported: spec.foo",
    reason: "BadRequest",
    code: 400,
  },
  leaseUpdateStale: {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message:
      'Operation cannot be fulfilled on leases.coordination.k8s.io "stale-demo": the object has been modified; please apply your changes to the latest version and try again',
    reason: "Conflict",
    details: {
      name: "stale-demo",
      group: "coordination.k8s.io",
      kind: "leases",
    },
    code: 409,
  },
  podDeleteWrongUid: {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message:
      'Operation cannot be fulfilled on Pod "web-0": the UID in the precondition (00000000-0000-0000-0000-000000000000) does not match the UID in record (7ac61590-3ee6-494b-9c52-7d1a5bcd60fd). The object might have been deleted and then recreated',
    reason: "Conflict",
    details: {
      name: "web-0",
      kind: "Pod",
    },
    code: 409,
  },
  nodeCreate: {
    request: {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "aci-bridge",
        labels: {
          type: "virtual-kubelet",
          "kubernetes.io/role": "agent",
          "kubernetes.io/hostname": "aci-bridge",
          "kubernetes.io/os": "linux",
        },
      },
      spec: {
        taints: [
          {
            key: "virtual-kubelet.io/provider",
            value: "azure",
            effect: "NoSchedule",
          },
        ],
      },
      status: {
        capacity: {
          cpu: "10000",
          memory: "4Ti",
          pods: "5000",
        },
        allocatable: {
          cpu: "10000",
          memory: "4Ti",
          pods: "5000",
        },
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "bridge is ready",
            lastHeartbeatTime: "2026-11-26T00:32:53Z",
            lastTransitionTime: "2026-11-26T00:32:53Z",
          },
        ],
        addresses: [
          {
            type: "InternalIP",
            address: "10.240.0.99",
          },
        ],
        daemonEndpoints: {
          kubeletEndpoint: {
            Port: 10250,
          },
        },
        nodeInfo: {
          kubeletVersion: "v1.32.6-aci-bridge",
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    },
    response: {
      kind: "Node",
      apiVersion: "v1",
      metadata: {
        name: "aci-bridge",
        uid: "bf49ba0e-77d2-47b2-bee3-c1754dedf7e1",
        resourceVersion: "249",
        creationTimestamp: "2026-11-26T00:32:53Z",
        labels: {
          "kubernetes.io/hostname": "aci-bridge",
          "kubernetes.io/os": "linux",
          "kubernetes.io/role": "agent",
          type: "virtual-kubelet",
        },
      },
      spec: {
        taints: [
          {
            key: "virtual-kubelet.io/provider",
            value: "azure",
            effect: "NoSchedule",
          },
          {
            key: "node.kubernetes.io/not-ready",
            effect: "NoSchedule",
          },
        ],
      },
      status: {
        capacity: {
          cpu: "10k",
          memory: "4Ti",
          pods: "5k",
        },
        allocatable: {
          cpu: "10k",
          memory: "4Ti",
          pods: "5k",
        },
        conditions: [
          {
            type: "Ready",
            status: "True",
            lastHeartbeatTime: "2026-11-26T00:32:53Z",
            lastTransitionTime: "2026-11-26T00:32:53Z",
            reason: "KubeletReady",
            message: "bridge is ready",
          },
        ],
        addresses: [
          {
            type: "InternalIP",
            address: "10.240.0.99",
          },
        ],
        daemonEndpoints: {
          kubeletEndpoint: {
            Port: 10250,
          },
        },
        nodeInfo: {
          machineID: "",
          systemUUID: "",
          bootID: "",
          kernelVersion: "",
          osImage: "",
          containerRuntimeVersion: "",
          kubeletVersion: "v1.32.6-aci-bridge",
          kubeProxyVersion: "",
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    },
  },
  nodeGetAfterReady: {
    metadata: {
      labels: {
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/hostname": "aci-bridge",
        "kubernetes.io/os": "linux",
        "kubernetes.io/role": "agent",
        type: "virtual-kubelet",
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
      },
    },
    spec: {
      taints: [
        {
          key: "virtual-kubelet.io/provider",
          value: "azure",
          effect: "NoSchedule",
        },
      ],
    },
  },
  podStatusMergePatch: {
    request: {
      status: {
        phase: "Running",
        podIP: "10.1.0.4",
        podIPs: [
          {
            ip: "10.1.0.4",
          },
        ],
        hostIP: "10.240.0.99",
        startTime: "2026-11-26T00:32:57Z",
        conditions: [
          {
            type: "Ready",
            status: "True",
            lastTransitionTime: "2026-11-26T00:32:57Z",
          },
          {
            type: "ContainersReady",
            status: "True",
            lastTransitionTime: "2026-11-26T00:32:57Z",
          },
          {
            type: "Initialized",
            status: "True",
            lastTransitionTime: "2026-11-26T00:32:57Z",
          },
          {
            type: "PodScheduled",
            status: "True",
            lastTransitionTime: "2026-11-26T00:32:57Z",
          },
        ],
        containerStatuses: [
          {
            name: "web",
            ready: true,
            started: true,
            restartCount: 0,
            image: "mcr.microsoft.com/azuredocs/aci-helloworld",
            imageID: "",
            state: {
              running: {
                startedAt: "2026-11-26T00:32:57Z",
              },
            },
          },
        ],
      },
    },
    status: {
      phase: "Running",
      conditions: [
        {
          type: "Ready",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-26T00:32:57Z",
        },
        {
          type: "ContainersReady",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-26T00:32:57Z",
        },
        {
          type: "Initialized",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-26T00:32:57Z",
        },
        {
          type: "PodScheduled",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-26T00:32:57Z",
        },
      ],
      hostIP: "10.240.0.99",
      podIP: "10.1.0.4",
      podIPs: [
        {
          ip: "10.1.0.4",
        },
      ],
      startTime: "2026-11-26T00:32:57Z",
      containerStatuses: [
        {
          name: "web",
          state: {
            running: {
              startedAt: "2026-11-26T00:32:57Z",
            },
          },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: "mcr.microsoft.com/azuredocs/aci-helloworld",
          imageID: "",
          started: true,
        },
      ],
      qosClass: "BestEffort",
    },
  },
  podStatusStrategicPatch: {
    request: {
      status: {
        containerStatuses: [
          {
            name: "web",
            restartCount: 1,
          },
        ],
      },
    },
    status: {
      phase: "Running",
      conditions: [
        {
          type: "Ready",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-26T00:32:57Z",
        },
        {
          type: "ContainersReady",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-26T00:32:57Z",
        },
        {
          type: "Initialized",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-26T00:32:57Z",
        },
        {
          type: "PodScheduled",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: "2026-11-26T00:32:57Z",
        },
      ],
      hostIP: "10.240.0.99",
      podIP: "10.1.0.4",
      podIPs: [
        {
          ip: "10.1.0.4",
        },
      ],
      startTime: "2026-11-26T00:32:57Z",
      containerStatuses: [
        {
          name: "web",
          state: {},
          lastState: {},
          ready: false,
          restartCount: 1,
          image: "",
          imageID: "",
        },
      ],
      qosClass: "BestEffort",
    },
  },
  eventCreate: {
    request: {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        generateName: "web-0.",
      },
      involvedObject: {
        kind: "Pod",
        namespace: "rec",
        name: "web-0",
        uid: "7ac61590-3ee6-494b-9c52-7d1a5bcd60fd",
        apiVersion: "v1",
      },
      reason: "Pulled",
      message: "Successfully pulled image",
      type: "Normal",
      source: {
        component: "aci-bridge",
        host: "aci-bridge",
      },
      firstTimestamp: "2026-11-26T00:32:57Z",
      lastTimestamp: "2026-11-26T00:32:57Z",
      count: 1,
    },
    response: {
      kind: "Event",
      apiVersion: "v1",
      metadata: {
        name: "web-0.k6tzg",
        generateName: "web-0.",
        namespace: "rec",
        uid: "1fb27d1b-4031-47b0-a470-1e189b520ea9",
        resourceVersion: "265",
        creationTimestamp: "2026-11-26T00:32:57Z",
      },
      involvedObject: {
        kind: "Pod",
        namespace: "rec",
        name: "web-0",
        uid: "7ac61590-3ee6-494b-9c52-7d1a5bcd60fd",
        apiVersion: "v1",
      },
      reason: "Pulled",
      message: "Successfully pulled image",
      source: {
        component: "aci-bridge",
        host: "aci-bridge",
      },
      firstTimestamp: "2026-11-26T00:32:57Z",
      lastTimestamp: "2026-11-26T00:32:57Z",
      count: 1,
      type: "Normal",
      eventTime: null,
      reportingComponent: "",
      reportingInstance: "",
    },
  },
  podWatchStreamTypes: ["MODIFIED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED", "BOOKMARK"],
  podWatchBookmark: {
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      resourceVersion: "268",
      creationTimestamp: null,
    },
    spec: {
      containers: null,
    },
    status: {},
  },
  secretCreate: {
    request: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "app-secret",
      },
      type: "Opaque",
      stringData: {
        password: "not-a-real-secret",
      },
    },
    response: {
      kind: "Secret",
      apiVersion: "v1",
      metadata: {
        name: "app-secret",
        namespace: "rec",
        uid: "405f39ec-8249-429d-a663-49f889af144f",
        resourceVersion: "261",
        creationTimestamp: "2026-11-26T00:32:56Z",
      },
      data: {
        password: "bm90LWEtcmVhbC1zZWNyZXQ=",
      },
      type: "Opaque",
    },
  },
  leaseCreate: {
    request: {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: "aci-bridge",
      },
      spec: {
        holderIdentity: "aci-bridge",
        leaseDurationSeconds: 40,
        renewTime: "2026-11-26T00:32:56.000000Z",
      },
    },
    response: {
      kind: "Lease",
      apiVersion: "coordination.k8s.io/v1",
      metadata: {
        name: "aci-bridge",
        namespace: "kube-node-lease",
        uid: "02bbbd35-f1b0-46c9-972b-d43c86290cfe",
        resourceVersion: "260",
        creationTimestamp: "2026-11-26T00:32:56Z",
      },
      spec: {
        holderIdentity: "aci-bridge",
        leaseDurationSeconds: 40,
        renewTime: "2026-11-26T00:32:56.000000Z",
      },
    },
  },
};
