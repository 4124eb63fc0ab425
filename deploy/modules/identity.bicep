// User-assigned identities: one for the Functions app (storage, Key Vault, ARM, App Insights), one for the
// in-cluster watcher (send to pod-events only), federated with the watcher's Kubernetes service account.

@description('Region of the identities.')
param location string

@description('Tags for the identities.')
param tags object

@description('Name of the Functions app identity.')
param appIdentityName string

@description('Name of the watcher identity.')
param watcherIdentityName string

@description('Create the watcher identity (watcherAuth "workloadIdentity").')
param createWatcherIdentity bool

@description('OIDC issuer URL of the AKS cluster; empty skips the federated credential (add it later).')
param aksOidcIssuerUrl string

@description('Namespace of the watcher service account.')
param watcherNamespace string

@description('Name of the watcher service account.')
param watcherServiceAccount string

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: appIdentityName
  location: location
  tags: tags
}

resource watcherIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = if (createWatcherIdentity) {
  name: watcherIdentityName
  location: location
  tags: tags
}

// AKS workload identity: the watcher pod's projected service-account token is exchanged for an Entra token.
resource watcherFederation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = if (createWatcherIdentity && !empty(aksOidcIssuerUrl)) {
  parent: watcherIdentity
  name: 'aks-${watcherNamespace}-${watcherServiceAccount}'
  properties: {
    issuer: aksOidcIssuerUrl
    subject: 'system:serviceaccount:${watcherNamespace}:${watcherServiceAccount}'
    audiences: ['api://AzureADTokenExchange']
  }
}

@description('Resource id of the app identity.')
output appIdentityId string = appIdentity.id

@description('Client id of the app identity (AZURE_CLIENT_ID, <Conn>__clientId).')
output appClientId string = appIdentity.properties.clientId

@description('Principal (object) id of the app identity, for role assignments.')
output appPrincipalId string = appIdentity.properties.principalId

@description('Client id of the watcher identity, empty when not created.')
output watcherClientId string = createWatcherIdentity ? watcherIdentity.properties.clientId : ''

@description('Principal id of the watcher identity, empty when not created.')
output watcherPrincipalId string = createWatcherIdentity ? watcherIdentity.properties.principalId : ''
