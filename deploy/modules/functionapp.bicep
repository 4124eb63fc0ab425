// The Functions app on Flex Consumption (Linux, Node 22): podEvents (queue trigger on pod-events) and
// reconcile (timer). Every connection is identity-based with the user-assigned app identity; the kubeconfig is
// a Key Vault reference. App settings are listed in docs/deploy.md and checked against lib/config.ts by
// test/deploy/bicep.test.ts.

@description('Region of the app and its plan.')
param location string

@description('Tags for the app and its plan.')
param tags object

@description('Function App name.')
param appName string

@description('Flex Consumption plan name.')
param planName string

@description('Maximum instance count of the app.')
param maximumInstanceCount int

@description('Instance memory in MB.')
param instanceMemoryMB int

@description('Resource id of the app\'s user-assigned identity.')
param appIdentityId string

@description('Client id of the app\'s user-assigned identity.')
param appClientId string

@description('Storage account for the host, the deployment package and the pod-events queue.')
param storageAccountName string

@description('Blob container of the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Versionless Key Vault secret URI of the kubeconfig.')
param kubeconfigSecretUri string

@description('Subnet for VNet integration (delegated to Microsoft.App/environments); empty: none.')
param functionsSubnetId string

@description('Subscription the container groups are created in (AZURE_SUBSCRIPTION_ID).')
param aciSubscriptionId string

@description('Resource group the container groups are created in (ACI_RESOURCE_GROUP).')
param aciResourceGroupName string

@description('Region of the container groups (ACI_REGION).')
param aciRegion string

@description('Virtual node names (ACI_NODE_NAMES).')
param nodeNames string

@description('Cluster name for ownership tags (ACI_BRIDGE_CLUSTER_NAME).')
param clusterName string

@description('Cluster identity for ownership tags (ACI_CLUSTER_ID, the kube-system namespace uid); empty: clusterName.')
param clusterId string

@description('Taint of the virtual node (ACI_NODE_TAINT, key[=value]:Effect).')
param nodeTaint string

@description('InternalIP of the virtual node (ACI_NODE_IP): the kubelet endpoint Service\'s cluster IP; empty: not set (the bridge\'s placeholder).')
param nodeIp string

@description('Kubelet port of the virtual node (ACI_NODE_KUBELET_PORT).')
param nodeKubeletPort int

@description('Delegated ACI subnet id (ACI_SUBNET_ID); empty: no VNet.')
param aciSubnetId string

@description('Allow public IPs on request (ACI_ALLOW_PUBLIC_IP).')
param allowPublicIp bool

@description('Cluster DNS servers (ACI_DNS_SERVERS).')
param dnsServers array

@description('Extra app settings merged last.')
param extraAppSettings object

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

// Host storage (AzureWebJobsStorage) and the trigger connection (PodEventsStorage) are identity-based:
// <Conn>__<service>Uri + __credential=managedidentity + __clientId. No account key or connection string anywhere.
var hostAppSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: appClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  // Entra-authenticated telemetry (the component has local auth disabled).
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${appClientId};Authorization=AAD'
}

// Settings read by lib/config.ts.
var bridgeAppSettings = {
  AZURE_SUBSCRIPTION_ID: aciSubscriptionId
  ACI_RESOURCE_GROUP: aciResourceGroupName
  ACI_REGION: aciRegion
  ACI_NODE_NAMES: nodeNames
  ACI_BRIDGE_CLUSTER_NAME: clusterName
  ACI_NODE_TAINT: nodeTaint
  ACI_NODE_KUBELET_PORT: string(nodeKubeletPort)
  ACI_ALLOW_PUBLIC_IP: allowPublicIp ? 'true' : 'false'
  ACI_DNS_SERVERS: join(dnsServers, ',')
  AZURE_CLIENT_ID: appClientId
  KUBECONFIG_CONTENT: '@Microsoft.KeyVault(SecretUri=${kubeconfigSecretUri})'
  PodEventsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  PodEventsStorage__credential: 'managedidentity'
  PodEventsStorage__clientId: appClientId
}

var vnetAppSettings = empty(aciSubnetId) ? {} : { ACI_SUBNET_ID: aciSubnetId }
var identityAppSettings = empty(clusterId) ? {} : { ACI_CLUSTER_ID: clusterId }
// The Node's InternalIP: the API server dials it (at ACI_NODE_KUBELET_PORT) for logs/exec/attach/top.
var nodeIpAppSettings = empty(nodeIp) ? {} : { ACI_NODE_IP: nodeIp }

var allAppSettings = union(hostAppSettings, bridgeAppSettings, vnetAppSettings, identityAppSettings, nodeIpAppSettings, extraAppSettings)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${appIdentityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity (the app has no system identity).
    keyVaultReferenceIdentity: appIdentityId
    virtualNetworkSubnetId: empty(functionsSubnetId) ? null : functionsSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [for setting in items(allAppSettings): { name: setting.key, value: setting.value }]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: appIdentityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

@description('Function App name.')
output functionAppName string = app.name

@description('Function App resource id.')
output functionAppId string = app.id
