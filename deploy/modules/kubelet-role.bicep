// ARM access of the in-cluster watcher for the virtual node's kubelet endpoint (kubectl logs, exec, attach,
// top): a custom role defined in (and assignable only to) the ACI resource group, with read and the three
// container actions, nothing that creates, changes or deletes a group (docs/adr/0204-kubelet-endpoint-arm-rights.md).
targetScope = 'resourceGroup'

@description('Principal id of the watcher identity (workload identity).')
param watcherPrincipalId string

resource kubeletRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'aci-bridge-kubelet-endpoint')
  properties: {
    roleName: 'aci-bridge kubelet endpoint (${subscription().subscriptionId}/${resourceGroup().name})'
    description: 'Read ACI container groups, their logs and metrics, and exec/attach into their containers in this resource group (aci-bridge watcher).'
    type: 'customRole'
    permissions: [
      {
        actions: [
          'Microsoft.ContainerInstance/containerGroups/read'
          'Microsoft.ContainerInstance/containerGroups/containers/logs/read'
          'Microsoft.ContainerInstance/containerGroups/containers/exec/action'
          'Microsoft.ContainerInstance/containerGroups/containers/attach/action'
          'Microsoft.Insights/metrics/read'
        ]
        notActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

resource kubeletAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, watcherPrincipalId, kubeletRole.name)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubeletRole.name)
    principalId: watcherPrincipalId
    principalType: 'ServicePrincipal'
  }
  dependsOn: [kubeletRole]
}

@description('Resource id of the custom role definition.')
output roleDefinitionId string = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubeletRole.name)
