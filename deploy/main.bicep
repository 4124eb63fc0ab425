// aci-bridge: everything the two Functions (podEvents, reconcile) and the in-cluster watcher need in Azure.
//
// Deploy at subscription scope (it creates two resource groups):
//   az deployment sub create -l <region> -f deploy/main.bicep -p deploy/main.parameters.json
//
// What it creates (docs/deploy.md walks through it, docs/security.md says who can do what):
//   - resource group <resourceGroupName>: Flex Consumption Function App (Linux, Node 22), its plan, a storage
//     account (host storage, deployment container, queues pod-events and pod-events-poison), a user-assigned
//     identity for the app, a second one for the watcher (workload identity), Key Vault (RBAC mode) holding
//     the kubeconfig, Log Analytics + Application Insights, log alert rules, optionally a VNet.
//   - resource group <aciResourceGroupName>: empty; the bridge creates container groups in it. The app
//     identity gets a custom role there with only Microsoft.ContainerInstance/containerGroups/*.
//
// NOT COMPILED HERE: the Bicep CLI cannot run in this project's CI. test/deploy/bicep.test.ts checks what can be
// checked statically; run `az bicep build -f deploy/main.bicep` (or `az deployment sub what-if`) before use.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------------------
// Names and places
// ---------------------------------------------------------------------------------------------------------

@description('Azure region for the bridge resources (Function App, storage, Key Vault, monitoring). Must support the Flex Consumption plan: `az functionapp list-flexconsumption-locations -o table`.')
param location string

@description('Short environment name, used to derive unique resource names (e.g. "prod", "dev1").')
@minLength(1)
@maxLength(16)
param environmentName string

@description('Resource group for the bridge resources. Created if missing.')
param resourceGroupName string = 'rg-aci-bridge-${environmentName}'

@description('Resource group the bridge creates ACI container groups in. Created if missing; the app identity may manage container groups only here.')
param aciResourceGroupName string = 'rg-aci-bridge-${environmentName}-aci'

@description('Azure region the container groups are created in (ACI_REGION). Defaults to `location`.')
param aciRegion string = location

@description('Tags applied to every resource (container groups get their own aci-bridge.* tags from the bridge).')
param tags object = {}

// ---------------------------------------------------------------------------------------------------------
// The virtual node
// ---------------------------------------------------------------------------------------------------------

@description('Virtual node name(s) served by this deployment (ACI_NODE_NAMES), e.g. "aci-bridge" or "aci-bridge,aci-bridge-west:westus". The kubeconfig must authenticate as system:node:<name> for each (docs/deploy.md).')
param nodeNames string = 'aci-bridge'

@description('Cluster name written into the ownership tags of every container group (ACI_BRIDGE_CLUSTER_NAME) when clusterId is empty. Use a different value per cluster sharing one ACI resource group.')
param clusterName string

@description('The cluster\'s unique identity for the ownership tags (ACI_CLUSTER_ID): the kube-system namespace uid, `kubectl get namespace kube-system -o jsonpath=\'{.metadata.uid}\'`. Recommended on a new install; on an existing one drain the virtual node first (docs/deploy.md#cluster-identity). Empty: clusterName is the identity.')
param clusterId string = ''

@description('Taint on the virtual node (ACI_NODE_TAINT), kubectl syntax key[=value]:Effect. The article\'s older key is "azure.com/aci=azure:NoSchedule".')
param nodeTaint string = 'virtual-kubelet.io/provider=azure:NoSchedule'

@description('Allow pods that ask for it (annotation) to get a public IP (ACI_ALLOW_PUBLIC_IP). Leave false in VNet mode unless you need it.')
param allowPublicIp bool = false

@description('Cluster DNS server IPs written into VNet-mode container groups (ACI_DNS_SERVERS), e.g. ["10.0.0.10"]. Empty: ACI default DNS.')
param dnsServers array = []

@description('Extra app settings merged last (ACI_STATUS_FAST_SECONDS, ACI_MAX_CPU_PER_GROUP, ...; see lib/config.ts). Never put secrets here: use Key Vault references.')
param extraAppSettings object = {}

// ---------------------------------------------------------------------------------------------------------
// Function App
// ---------------------------------------------------------------------------------------------------------

@description('Function App name (globally unique, becomes <name>.azurewebsites.net). Empty: derived from environmentName.')
param functionAppName string = ''

@description('Upper bound on Flex Consumption instances. Every instance spends the same ARM budget (per principal and region), so keep it modest.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per Flex Consumption instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

// ---------------------------------------------------------------------------------------------------------
// Kubeconfig in Key Vault
// ---------------------------------------------------------------------------------------------------------

@description('Kubeconfig YAML for the bridge (node credentials, docs/deploy.md). Optional here: leave empty and set the Key Vault secret "kubeconfig" afterwards with `az keyvault secret set`. Secure: not logged in deployment history.')
@secure()
param kubeconfigContent string = ''

@description('Object id of the person or pipeline that will set the kubeconfig secret (gets Key Vault Secrets Officer on the vault). Empty: assign it yourself. `az ad signed-in-user show --query id -o tsv`.')
param operatorPrincipalId string = ''

@description('Principal type of operatorPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

@description('Enable Key Vault purge protection (cannot be turned off again; recommended for production).')
param keyVaultPurgeProtection bool = false

// ---------------------------------------------------------------------------------------------------------
// Watcher identity
// ---------------------------------------------------------------------------------------------------------

@description('How the in-cluster watcher authenticates to the queue: "workloadIdentity" (recommended: a user-assigned identity federated with the watcher\'s service account, Storage Queue Data Message Sender on pod-events only) or "sas" (a send-only SAS you create after deployment; requires shared-key access on the storage account).')
@allowed(['workloadIdentity', 'sas'])
param watcherAuth string = 'workloadIdentity'

@description('OIDC issuer URL of the AKS cluster, for the watcher\'s federated credential: `az aks show -g <rg> -n <cluster> --query oidcIssuerProfile.issuerUrl -o tsv`. Required when watcherAuth is "workloadIdentity".')
param aksOidcIssuerUrl string = ''

@description('Namespace the watcher chart is installed in (federated credential subject system:serviceaccount:<ns>:<sa>).')
param watcherNamespace string = 'aci-bridge'

@description('Service account name of the watcher (the chart\'s default fullname).')
param watcherServiceAccount string = 'aci-bridge-watcher'

@description('Give the watcher identity the kubelet-endpoint role on the ACI resource group (kubectl logs/exec/attach/top for pods on the virtual node: container group read, logs read, exec and attach actions, metrics read; docs/kubelet-api.md). Needs watcherAuth "workloadIdentity", and nodeIp set to the chart\'s kubelet.service.clusterIP.')
param enableKubeletEndpoint bool = false

@description('The virtual node\'s InternalIP address (ACI_NODE_IP), which the API server calls for kubectl logs/exec/attach/top. With enableKubeletEndpoint: the watcher chart\'s kubelet.service.clusterIP (a fixed address in the cluster\'s service CIDR, docs/kubelet-api.md#installing-with-the-chart). Empty: the bridge\'s placeholder 10.240.0.250, which nothing serves.')
param nodeIp string = ''

@description('The virtual node\'s kubelet port (ACI_NODE_KUBELET_PORT, status.daemonEndpoints.kubeletEndpoint.Port): the watcher chart\'s kubelet.port.')
@minValue(1024)
@maxValue(65535)
param nodeKubeletPort int = 10250

// ---------------------------------------------------------------------------------------------------------
// Networking
// ---------------------------------------------------------------------------------------------------------

@description('"none": container groups get no VNet (public IPs only when allowed). "new": create a VNet with a delegated ACI subnet and a Functions integration subnet. "existing": use existingAciSubnetId (already delegated to Microsoft.ContainerInstance/containerGroups), e.g. a subnet of the AKS VNet.')
@allowed(['none', 'new', 'existing'])
param vnetMode string = 'none'

@description('Address space of the new VNet (vnetMode "new").')
param vnetAddressPrefix string = '10.240.0.0/16'

@description('Prefix of the delegated ACI subnet in the new VNet (vnetMode "new").')
param aciSubnetPrefix string = '10.240.0.0/20'

@description('Prefix of the Functions VNet-integration subnet in the new VNet (vnetMode "new"; delegated to Microsoft.App/environments).')
param functionsSubnetPrefix string = '10.240.16.0/24'

@description('Resource id of an existing subnet delegated to Microsoft.ContainerInstance/containerGroups (vnetMode "existing").')
param existingAciSubnetId string = ''

@description('Resource id of an existing subnet delegated to Microsoft.App/environments for Functions VNet integration (vnetMode "existing"; optional, needed for a private API server).')
param existingFunctionsSubnetId string = ''

// ---------------------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------------------

@description('Resource id of an existing action group the alert rules notify. Empty: one is created when alertEmail is set, else the rules fire without notifications (visible in Azure Monitor).')
param actionGroupId string = ''

@description('E-mail address for a new action group (used only when actionGroupId is empty).')
param alertEmail string = ''

@description('arm.throttled lines per 5 minutes that count as throttled; the alert fires when three consecutive 5-minute windows exceed it.')
param armThrottleThreshold int = 5

@description('Log retention of the Log Analytics workspace in days.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

// ---------------------------------------------------------------------------------------------------------
// Derived names
// ---------------------------------------------------------------------------------------------------------

var token = toLower(uniqueString(subscription().id, environmentName, location))
var appName = !empty(functionAppName) ? functionAppName : 'func-aci-bridge-${environmentName}-${take(token, 6)}'
var allTags = union(tags, { 'aci-bridge.environment': environmentName })
var podEventsQueueName = 'pod-events'
var poisonQueueName = 'pod-events-poison'
var kubeconfigSecretName = 'kubeconfig'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
  tags: allTags
}

resource aciRg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: aciResourceGroupName
  location: aciRegion
  tags: allTags
}

module identities 'modules/identity.bicep' = {
  name: 'aci-bridge-identities'
  scope: rg
  params: {
    location: location
    tags: allTags
    appIdentityName: 'id-aci-bridge-app-${environmentName}'
    watcherIdentityName: 'id-aci-bridge-watcher-${environmentName}'
    createWatcherIdentity: watcherAuth == 'workloadIdentity'
    aksOidcIssuerUrl: aksOidcIssuerUrl
    watcherNamespace: watcherNamespace
    watcherServiceAccount: watcherServiceAccount
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'aci-bridge-monitoring'
  scope: rg
  params: {
    location: location
    tags: allTags
    logAnalyticsName: 'log-aci-bridge-${environmentName}-${take(token, 6)}'
    appInsightsName: 'appi-aci-bridge-${environmentName}-${take(token, 6)}'
    retentionInDays: logRetentionDays
    appPrincipalId: identities.outputs.appPrincipalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'aci-bridge-storage'
  scope: rg
  params: {
    location: location
    tags: allTags
    storageAccountName: take('staci${take(environmentName, 8)}${token}', 24)
    deploymentContainerName: 'app-package-${take(token, 12)}'
    podEventsQueueName: podEventsQueueName
    poisonQueueName: poisonQueueName
    allowSharedKeyAccess: watcherAuth == 'sas'
    appPrincipalId: identities.outputs.appPrincipalId
    watcherPrincipalId: identities.outputs.watcherPrincipalId
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'aci-bridge-keyvault'
  scope: rg
  params: {
    location: location
    tags: allTags
    keyVaultName: take('kv-acib-${take(environmentName, 8)}-${token}', 24)
    secretName: kubeconfigSecretName
    kubeconfigContent: kubeconfigContent
    purgeProtection: keyVaultPurgeProtection
    appPrincipalId: identities.outputs.appPrincipalId
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

var vnetName = 'vnet-aci-bridge-${environmentName}'
// Ids built from names (not module outputs) so they can be used as deployment scopes below.
var newVnetId = '/subscriptions/${subscription().subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.Network/virtualNetworks/${vnetName}'

module network 'modules/network.bicep' = if (vnetMode == 'new') {
  name: 'aci-bridge-network'
  scope: rg
  params: {
    location: location
    tags: allTags
    vnetName: vnetName
    addressPrefix: vnetAddressPrefix
    aciSubnetPrefix: aciSubnetPrefix
    functionsSubnetPrefix: functionsSubnetPrefix
  }
}

var aciSubnetId = vnetMode == 'new' ? '${newVnetId}/subnets/aci' : (vnetMode == 'existing' ? existingAciSubnetId : '')
var functionsSubnetId = vnetMode == 'new'
  ? '${newVnetId}/subnets/functions'
  : (vnetMode == 'existing' ? existingFunctionsSubnetId : '')
// A well-formed placeholder keeps the scope expression below evaluable when VNet mode is off.
var subnetIdForScope = empty(aciSubnetId) ? '${newVnetId}/subnets/none' : aciSubnetId

// Subnet join for VNet mode: a custom role defined in the subnet's resource group, assigned on the subnet only.
module subnetJoin 'modules/subnet-join-role.bicep' = if (vnetMode != 'none') {
  name: 'aci-bridge-subnet-join'
  scope: resourceGroup(split(subnetIdForScope, '/')[2], split(subnetIdForScope, '/')[4])
  params: {
    vnetName: split(subnetIdForScope, '/')[8]
    subnetName: split(subnetIdForScope, '/')[10]
    appPrincipalId: identities.outputs.appPrincipalId
  }
  dependsOn: [network]
}

module aciRole 'modules/aci-role.bicep' = {
  name: 'aci-bridge-aci-role'
  scope: aciRg
  params: {
    appPrincipalId: identities.outputs.appPrincipalId
  }
}

module kubeletRole 'modules/kubelet-role.bicep' = if (enableKubeletEndpoint && watcherAuth == 'workloadIdentity') {
  name: 'aci-bridge-kubelet-role'
  scope: aciRg
  params: {
    watcherPrincipalId: identities.outputs.watcherPrincipalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'aci-bridge-functionapp'
  scope: rg
  params: {
    location: location
    tags: allTags
    appName: appName
    planName: 'plan-aci-bridge-${environmentName}'
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appIdentityId: identities.outputs.appIdentityId
    appClientId: identities.outputs.appClientId
    storageAccountName: storage.outputs.storageAccountName
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    kubeconfigSecretUri: keyVault.outputs.secretUri
    functionsSubnetId: functionsSubnetId
    aciSubscriptionId: subscription().subscriptionId
    aciResourceGroupName: aciRg.name
    aciRegion: aciRegion
    nodeNames: nodeNames
    clusterName: clusterName
    clusterId: clusterId
    nodeTaint: nodeTaint
    nodeIp: nodeIp
    nodeKubeletPort: nodeKubeletPort
    aciSubnetId: aciSubnetId
    allowPublicIp: allowPublicIp
    dnsServers: dnsServers
    extraAppSettings: extraAppSettings
  }
  // Grant ARM access before the app starts reconciling (Key Vault and storage roles are implied by the outputs used).
  dependsOn: [aciRole, subnetJoin]
}

module alerts 'modules/alerts.bicep' = {
  name: 'aci-bridge-alerts'
  scope: rg
  params: {
    location: location
    tags: allTags
    namePrefix: 'aci-bridge-${environmentName}'
    appInsightsId: monitoring.outputs.appInsightsId
    actionGroupId: actionGroupId
    alertEmail: alertEmail
    poisonQueueName: poisonQueueName
    armThrottleThreshold: armThrottleThreshold
  }
}

// ---------------------------------------------------------------------------------------------------------
// Outputs: what `func azure functionapp publish`, `az keyvault secret set` and `helm install` need.
// ---------------------------------------------------------------------------------------------------------

@description('Function App name: func azure functionapp publish <this> (or az functionapp deployment source config-zip -n <this>).')
output functionAppName string = functionApp.outputs.functionAppName

@description('Resource group holding the bridge resources.')
output resourceGroupName string = rg.name

@description('Resource group the container groups are created in (ACI_RESOURCE_GROUP).')
output aciResourceGroupName string = aciRg.name

@description('Storage account holding the pod-events queue.')
output storageAccountName string = storage.outputs.storageAccountName

@description('Queue service URI (helm: the watcher\'s queue service URI with workload identity).')
output queueServiceUri string = storage.outputs.queueServiceUri

@description('Name of the queue the watcher sends to.')
output podEventsQueueName string = podEventsQueueName

@description('Full URL of the pod-events queue (append a SAS for watcherAuth "sas").')
output podEventsQueueUrl string = storage.outputs.podEventsQueueUrl

@description('Client id of the watcher identity (helm: the service account annotation azure.workload.identity/client-id). Empty for watcherAuth "sas".')
output watcherClientId string = identities.outputs.watcherClientId

@description('Tenant id (helm: azure.workload.identity/tenant-id when the cluster is in another tenant).')
output tenantId string = tenant().tenantId

@description('Client id of the Functions identity (AZURE_CLIENT_ID).')
output appClientId string = identities.outputs.appClientId

@description('Key Vault name: az keyvault secret set --vault-name <this> --name kubeconfig --file <kubeconfig>.')
output keyVaultName string = keyVault.outputs.keyVaultName

@description('Name of the Key Vault secret holding the kubeconfig.')
output kubeconfigSecretName string = kubeconfigSecretName

@description('Application Insights resource name (logs in `traces`).')
output appInsightsName string = monitoring.outputs.appInsightsName

@description('Delegated ACI subnet id (ACI_SUBNET_ID), empty without VNet mode.')
output aciSubnetId string = aciSubnetId

@description('Virtual node name(s) configured in the app (the watcher must watch the same).')
output nodeNames string = nodeNames
