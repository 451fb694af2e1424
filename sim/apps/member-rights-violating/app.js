// 开卡时填写的资料只保存在内存里（不写本地存储），供“个人资料”页展示
App({
  globalData: { member: null }
})
